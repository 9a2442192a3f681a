"""Live events of the forum: names, groups and the per-thread event log.

Every thread event gets the next sequence number of its thread (the thread
row is locked by the calling service), is stored in ``ThreadEvent`` and is
broadcast after commit. A reconnecting client asks for the events after the
last sequence number it saw.
"""

from typing import Any

from forum.models import Thread, ThreadEvent
from live.broadcast import broadcast_on_commit, frame, user_group

POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_DELETED = "post.deleted"
POST_REACTIONS = "post.reactions"
THREAD_UPDATED = "thread.updated"
NOTIFICATION_COUNT = "notifications.count"
ACCESS_CHANGED = "access.changed"

__all__ = ["notify_count", "thread_event", "thread_group", "user_group"]


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def thread_event(thread: Thread, event_type: str, payload: dict[str, Any]) -> int:
    """Store and (after commit) broadcast one event of ``thread``; returns its sequence number.

    The caller holds the thread row locked (``select_for_update``), so
    sequence numbers follow commit order.
    """
    seq = thread.event_seq + 1
    Thread.objects.filter(pk=thread.pk).update(event_seq=seq)
    thread.event_seq = seq
    body = {"thread": thread.pk, "seq": seq, **payload}
    ThreadEvent.objects.create(thread=thread, seq=seq, frame=frame(event_type, body))
    broadcast_on_commit(
        thread_group(thread.pk),
        event_type,
        body,
        category=thread.category_id,
        thread=thread.pk,
        seq=seq,
    )
    return seq


def notify_count(user_id: int, unread: int) -> None:
    broadcast_on_commit(user_group(user_id), NOTIFICATION_COUNT, {"unread": unread})
