from django.urls import path

from steering import views

app_name = "steering"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("nominations/<int:pk>/end/", views.nomination_end, name="nomination_end"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/remove/",
        views.agenda_remove,
        name="agenda_remove",
    ),
    path("meetings/<int:pk>/publish/", views.agenda_publish, name="agenda_publish"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/minutes/", views.minutes_save, name="minutes_save"),
    path(
        "meetings/<int:pk>/minutes/files/",
        views.minutes_attachment_add,
        name="minutes_attachment_add",
    ),
    path("meetings/<int:pk>/minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path("meetings/<int:pk>/invitation.ics", views.invitation, name="invitation"),
    path("minutes/files/<int:pk>/", views.minutes_attachment, name="minutes_attachment"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/renew/", views.calendar_renew, name="calendar_renew"),
    path("needs/search/", views.need_search, name="need_search"),
    path("electronic/", views.ballot_list, name="ballot_list"),
    path("electronic/<int:pk>/", views.ballot_detail, name="ballot_detail"),
    path("electronic/<int:pk>/close/", views.ballot_close, name="ballot_close"),
]
