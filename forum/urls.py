from django.urls import path

from forum import feeds, views

app_name = "forum"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.thread_create, name="thread_start"),
    path("new/draft/", views.thread_draft_save, name="thread_draft_save"),
    path("mentions/", views.mention_candidates, name="mention_candidates"),
    path("c/<slug:slug>/", views.category_detail, name="category_detail"),
    path("c/<slug:slug>/new/", views.thread_create, name="thread_create"),
    path("c/<slug:slug>/tracking/", views.category_tracking, name="category_tracking"),
    path("c/<slug:slug>/feed/<str:token>/", feeds.CategoryFeed(), name="category_feed"),
    path("t/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("t/<int:pk>/reply/", views.post_create, name="post_create"),
    path("t/<int:pk>/draft/", views.draft_save, name="draft_save"),
    path("t/<int:pk>/read/", views.thread_read, name="thread_read"),
    path("t/<int:pk>/tracking/", views.thread_tracking, name="thread_tracking"),
    path("t/<int:pk>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("t/<int:pk>/audience/", views.thread_audience, name="thread_audience"),
    path("t/<int:pk>/events/", views.thread_events, name="thread_events"),
    path("t/<int:pk>/fragments/", views.thread_fragments, name="thread_fragments"),
    path("t/<int:pk>/polls/new/", views.poll_create, name="poll_create"),
    path("polls/<int:pk>/vote/", views.poll_vote, name="poll_vote"),
    path(
        "polls/<int:pk>/export.<str:fmt>",
        views.poll_export,
        name="poll_export",
    ),
    path("p/<int:pk>/", views.post_permalink, name="post_permalink"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("p/<int:pk>/react/", views.post_react, name="post_react"),
    path("p/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("p/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("p/<int:pk>/solution/", views.post_solution, name="post_solution"),
    path("p/<int:pk>/history/", views.post_history, name="post_history"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment_download"),
    path(
        "attachments/<str:token>/thumbnail/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path("preview/", views.post_preview, name="post_preview"),
    path("keyboard/", views.keyboard_help, name="keyboard_help"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag_dismiss"),
]
