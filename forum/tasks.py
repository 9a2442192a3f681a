"""Background tasks of the forum: telling people of a new post, pruning the live-event log.

Notification e-mails are the notifications app's (``notifications.tasks``)."""

from django.db import transaction
from django.tasks import task

from forum.events import event_log_prune


@task()
def prune_event_log() -> int:
    """Delete live events older than ``EVENT_RETENTION_SECONDS``; returns how many."""
    return event_log_prune()


@task()
def post_notify(post_id: int, handles: list[str]) -> None:
    """Notify of a new post (``forum.services.notifications.post_notifications``).

    Queued with the post's own write, so the reply request does not wait for
    the work each watcher, quoted or mentioned member costs (a row, the new
    unread count, an e-mail task), however many follow the thread. All of it is
    one transaction: a failure leaves nobody half-told. Who is told is decided
    when the task runs (with a worker, moments after the post): someone who
    starts watching in between hears of the post, someone who mutes does not.
    """
    from forum.models import Post
    from forum.services.notifications import post_notifications

    post = (
        Post.objects.select_related("thread__category", "author", "reply_to__author")
        .filter(pk=post_id)
        .first()
    )
    if post is None or post.is_deleted:
        return
    with transaction.atomic():
        post_notifications(actor=post.author, thread=post.thread, post=post, handles=set(handles))
