from django.urls import path

from forum import feeds, views

app_name = "forum"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.category_detail, name="category_detail"),
    path("c/<slug:slug>/new/", views.thread_create, name="thread_create"),
    path("c/<slug:slug>/watch/", views.category_watch, name="category_watch"),
    path("c/<slug:slug>/feed/<str:token>/", feeds.CategoryFeed(), name="category_feed"),
    path("t/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("t/<int:pk>/reply/", views.post_create, name="post_create"),
    path("t/<int:pk>/draft/", views.draft_save, name="draft_save"),
    path("t/<int:pk>/read/", views.thread_read, name="thread_read"),
    path("t/<int:pk>/watch/", views.thread_watch, name="thread_watch"),
    path("t/<int:pk>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("t/<int:pk>/audience/", views.thread_audience, name="thread_audience"),
    path("t/<int:pk>/events/", views.thread_events, name="thread_events"),
    path("p/<int:pk>/", views.post_permalink, name="post_permalink"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("p/<int:pk>/react/", views.post_react, name="post_react"),
    path("p/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("p/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("p/<int:pk>/solution/", views.post_solution, name="post_solution"),
    path("p/<int:pk>/history/", views.post_history, name="post_history"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment_download"),
    path("notifications/", views.notifications, name="notifications"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
]
