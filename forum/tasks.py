"""Background tasks of the forum: pruning the live-event log.

Notification e-mails are the notifications app's (``notifications.tasks``)."""

from django.tasks import task

from forum.events import event_log_prune


@task()
def prune_event_log() -> int:
    """Delete live events older than ``EVENT_RETENTION_SECONDS``; returns how many."""
    return event_log_prune()
