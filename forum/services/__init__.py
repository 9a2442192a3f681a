"""Writes for the forum. Each service checks permission, validates, writes,
records audit entries and schedules its live events and notifications.

Callers use ``from forum import services`` and ``services.post_create(...)``;
the services live in the modules below, one per part of the forum.
"""

from forum.services.attachments import (
    ALLOWED_ATTACHMENT_TYPES,
    attachment_check,
    attachments_check,
    attachments_delete,
    attachments_store,
)
from forum.services.moderation import (
    category_read_rule_changed,
    flag_create,
    flag_dismiss,
    post_set_hidden,
    thread_audience_set,
    thread_moderate,
    thread_publicity_follow,
)
from forum.services.notifications import tracking_set
from forum.services.polls import poll_create, poll_vote
from forum.services.posts import (
    MAX_POST_LENGTH,
    draft_save,
    post_create,
    post_delete,
    post_edit,
    reaction_toggle,
    thread_create,
    thread_draft_save,
    thread_mark_read,
    thread_mark_solution,
)

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "MAX_POST_LENGTH",
    "attachment_check",
    "attachments_check",
    "attachments_delete",
    "attachments_store",
    "category_read_rule_changed",
    "draft_save",
    "flag_create",
    "flag_dismiss",
    "poll_create",
    "poll_vote",
    "post_create",
    "post_delete",
    "post_edit",
    "post_set_hidden",
    "reaction_toggle",
    "thread_audience_set",
    "thread_create",
    "thread_draft_save",
    "thread_mark_read",
    "thread_mark_solution",
    "thread_moderate",
    "thread_publicity_follow",
    "tracking_set",
]
