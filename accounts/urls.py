from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("members/", views.member_directory, name="member_directory"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/feed-token/", views.feed_token_renew, name="feed_token_renew"),
    path("profile/data.json", views.my_data, name="my_data"),
    path("audit/", views.audit_log, name="audit_log"),
]
