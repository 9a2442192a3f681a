from django.urls import path
from django.views.generic import RedirectView

from needs_registry import views

app_name = "needs"

urlpatterns = [
    path("", views.need_list, name="need_list"),
    path("board/", views.backlog_board, name="backlog_board"),
    path("new/", views.need_create, name="need_create"),
    path("similar/", views.similar_needs, name="similar_needs"),
    path("<int:pk>/", views.need_detail, name="need_detail"),
    path("<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("<int:pk>/transition/", views.need_transition, name="need_transition"),
    path("<int:pk>/merge/", views.need_merge, name="need_merge"),
    path("<int:pk>/position/", views.city_position, name="city_position"),
    path("<int:pk>/commitment/", views.commitment, name="commitment"),
    path("<int:pk>/vote/", views.city_vote, name="city_vote"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/production/", views.production, name="production"),
    path("<int:pk>/dependencies/", views.dependencies, name="dependencies"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    # Meetings moved to the steering group's pages; old links still lead there.
    path(
        "meetings/",
        RedirectView.as_view(pattern_name="steering:meeting_list", permanent=True),
        name="meeting_list",
    ),
    path(
        "meetings/<int:pk>/",
        RedirectView.as_view(pattern_name="steering:meeting_detail", permanent=True),
        name="meeting_detail",
    ),
    path("reports/yearly/", views.yearly_report, name="yearly_report"),
]
