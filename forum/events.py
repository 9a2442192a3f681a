"""Live events of the forum: names, groups and the per-thread event log.

Every thread event gets the next sequence number of its thread (the thread
row is locked by the calling service), is stored in ``ThreadEvent`` and is
broadcast after commit. A reconnecting client asks for the events after the
last sequence number it saw.

The log holds nothing the thread's page would no longer show:

- **Tombstones.** When a post is deleted or hidden, every stored frame of it
  (its ``post.created``, each ``post.edited`` and ``post.reactions``) is
  rewritten, in the same transaction, to a tombstone: the same type, thread
  and sequence number, the post's id and number and ``"gone": true``; no text,
  no HTML, no author. The deletion or hiding itself is sent as a tombstone
  too. Showing a hidden post again publishes it anew as a ``post.edited``.
- **No rendered text.** Frames carry ids, numbers and flags, never HTML or
  words: each viewer's page fetches what changed from ``forum:thread_fragments``,
  rendered for that viewer (their controls, language, dates and place names).
- **Anonymisation** drops the HTML that frames stored by earlier versions carried.
- **Readers.** Each live event carries, beside the frame, the thread's
  ``readers_version``; it is raised whenever who may read the thread may have
  changed (``thread_readers_changed``), so a socket re-checks the thread's
  current state before relaying the first event sent after the change. The
  replay asks the same read rule as the page.
- **Retention.** Events older than ``EVENT_RETENTION_SECONDS`` (default seven
  days) are deleted by ``event_log_prune`` (the task ``forum.tasks.prune_event_log``,
  the command ``prune_events``). Sequence numbers have no gaps, so a client
  asking from before the oldest kept event is told to reload: a ``reload``
  frame instead of the events it missed.
- **Lists.** A new thread, a reply or a change of a thread's state is also
  sent to the thread lists (``LISTS_GROUP``) as ``thread.activity``: the
  thread's id, its category and whether it is new. A socket watching a list
  relays it only to a member who may read the thread (asked as for a
  subscription, once per thread and ``readers_version``), so nobody learns
  that a thread they may not read exists or moves.
"""

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from forum import list_cache
from forum.models import Post, Thread, ThreadEvent
from live.broadcast import broadcast_on_commit, frame, user_group

POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_DELETED = "post.deleted"
POST_REACTIONS = "post.reactions"
THREAD_UPDATED = "thread.updated"
POLL_CREATED = "poll.created"
POLL_RESULTS = "poll.results"
NOTIFICATION_COUNT = "notifications.count"
ACCESS_CHANGED = "access.changed"
RELOAD = "reload"
THREAD_ACTIVITY = "thread.activity"

# Every socket watching a thread list (the forum's index or a category) listens here.
LISTS_GROUP = "forum.lists"
# The thread events that change what a thread list shows.
LIST_EVENTS = frozenset({POST_CREATED, THREAD_UPDATED})

# What a tombstone keeps of a frame: which event of which thread, about which post.
TOMBSTONE_KEYS = ("type", "thread", "seq", "post", "number")

__all__ = [
    "category_readers_changed",
    "event_log_prune",
    "member_events_anonymise",
    "notify_count",
    "post_gone",
    "thread_event",
    "thread_group",
    "thread_readers_changed",
    "user_group",
]


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def thread_event(
    thread: Thread, event_type: str, payload: dict[str, Any], *, post: Post | None = None
) -> int:
    """Store and (after commit) broadcast one event of ``thread``; returns its sequence number.

    The caller holds the thread row locked (``select_for_update``), so
    sequence numbers follow commit order and ``readers_version`` is current.
    ``post`` is the post the event is about, so its frames can be rewritten.
    """
    seq = thread.event_seq + 1
    Thread.objects.filter(pk=thread.pk).update(event_seq=seq)
    thread.event_seq = seq
    body = {"thread": thread.pk, "seq": seq, **payload}
    ThreadEvent.objects.create(thread=thread, seq=seq, post=post, frame=frame(event_type, body))
    broadcast_on_commit(
        thread_group(thread.pk),
        event_type,
        body,
        thread=thread.pk,
        seq=seq,
        readers=thread.readers_version,
    )
    if event_type in LIST_EVENTS:
        # Kept lists give way after the thread's viewers have the event and
        # before the lists' viewers are told to fetch theirs again.
        list_cache.changed()
        broadcast_on_commit(
            LISTS_GROUP,
            THREAD_ACTIVITY,
            {
                "thread": thread.pk,
                "category": thread.category_id,
                "new": event_type == POST_CREATED and payload.get("number") == 1,
            },
            listed=thread.pk,
            category=thread.category_id,
            readers=thread.readers_version,
        )
    return seq


def _tombstone(text: str) -> str:
    body = json.loads(text)
    return json.dumps({**{k: body[k] for k in TOMBSTONE_KEYS if k in body}, "gone": True})


def post_gone(thread: Thread, event_type: str, post: Post) -> int:
    """Tombstone every stored frame of ``post`` and send ``event_type`` as a tombstone.

    For a post that was just deleted or hidden; the caller holds the thread
    locked and runs in the transaction that deletes or hides the post.
    """
    events = list(ThreadEvent.objects.filter(post=post).only("pk", "frame"))
    for event in events:
        event.frame = _tombstone(event.frame)
    ThreadEvent.objects.bulk_update(events, ["frame"], batch_size=500)
    return thread_event(
        thread, event_type, {"post": post.pk, "number": post.number, "gone": True}, post=post
    )


def member_events_anonymise(*, user_id: int, post_ids: Iterable[int]) -> int:
    """Rewrite the stored frames that could name an anonymised member; returns how many.

    Called by ``accounts.services.member_anonymise`` once the posts are
    rewritten. Frames carry ids only (each viewer fetches the post as they see
    it, in their language), but frames stored before that carried the post's
    HTML: it is dropped from frames of the member's own posts, of ``post_ids``
    (others' posts that mentioned them) and of replies to the member's posts;
    those of deleted or hidden posts become tombstones.
    """
    posts = {
        post.pk: post
        for post in Post.objects.filter(
            Q(author_id=user_id) | Q(pk__in=list(post_ids)) | Q(reply_to__author_id=user_id)
        ).only("pk", "deleted_at", "is_hidden")
    }
    events = list(ThreadEvent.objects.filter(post_id__in=posts).only("pk", "post_id", "frame"))
    for event in events:
        # The filter above left out events without a post.
        post = posts[event.post_id]  # type: ignore[index]
        if post.is_deleted or post.is_hidden:
            event.frame = _tombstone(event.frame)
            continue
        body = json.loads(event.frame)
        if body.pop("html", None) is not None:
            event.frame = json.dumps(body)
    ThreadEvent.objects.bulk_update(events, ["frame"], batch_size=500)
    return len(events)


def thread_readers_changed(thread: Thread) -> None:
    """Raise the thread's readers version and tell its sockets to check again.

    The caller holds the thread locked. Events sent from now on carry the new
    version, so a socket that has not yet re-checked holds them back until it
    has; ``access.changed`` reaches sockets that receive no further event.
    """
    Thread.objects.filter(pk=thread.pk).update(readers_version=F("readers_version") + 1)
    thread.readers_version += 1
    broadcast_on_commit(
        thread_group(thread.pk),
        ACCESS_CHANGED,
        {"thread": thread.pk},
        thread=thread.pk,
        readers=thread.readers_version,
    )


def category_readers_changed(category_id: int) -> None:
    """Every thread of the category may have new readers: raise their versions and tell them."""
    threads = Thread.objects.filter(category_id=category_id)
    threads.update(readers_version=F("readers_version") + 1)
    for thread_id, version in threads.values_list("pk", "readers_version"):
        broadcast_on_commit(
            thread_group(thread_id),
            ACCESS_CHANGED,
            {"thread": thread_id},
            thread=thread_id,
            readers=version,
        )


def event_log_prune(*, now: datetime | None = None) -> int:
    """Delete the events older than ``EVENT_RETENTION_SECONDS``; returns how many.

    A client that asks from before the oldest kept event is told to reload
    (see ``forum.selectors.events_after``).
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.EVENT_RETENTION_SECONDS)
    deleted, _per_model = ThreadEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def notify_count(user_id: int, unread: int) -> None:
    broadcast_on_commit(user_group(user_id), NOTIFICATION_COUNT, {"unread": unread})
