"""Background tasks of the forum: notification e-mails and pruning the live-event log."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from forum.events import event_log_prune

# Kinds of notification never e-mailed at once, only in the daily digest: an
# @organisation mention reaches a whole city, and a city's inboxes are not a
# megaphone for one post.
DIGEST_ONLY_KINDS = frozenset({"organisation_mention"})


@task()
def send_notification_email(user_id: int) -> int:
    """E-mail a member's unsent notifications (immediate preference), except the
    digest-only kinds; returns how many."""
    return _send(user_id, digest=False)


@task()
def send_daily_digests() -> int:
    """E-mail the day's digest: to each member who wants a daily digest their unsent
    notifications, and to each member who wants e-mail at once the unsent
    notifications that are only ever sent in a digest."""
    from accounts.models import NotificationEmail, User

    sent = 0
    since = timezone.now() - timedelta(days=7)
    users = User.objects.filter(
        Q(notification_email=NotificationEmail.DAILY)
        | Q(
            notification_email=NotificationEmail.IMMEDIATE,
            notifications__kind__in=DIGEST_ONLY_KINDS,
        ),
        is_active=True,
        notifications__emailed_at__isnull=True,
        notifications__read_at__isnull=True,
        notifications__created_at__gte=since,
    ).distinct()
    for user in users:
        sent += _send(user.pk, digest=True)
    return sent


@task()
def prune_event_log() -> int:
    """Delete live events older than ``EVENT_RETENTION_SECONDS``; returns how many."""
    return event_log_prune()


def _email_lines(user, notifications: list) -> list:
    """What the e-mail may say of each notification, by the read rule as it is now.

    A notification about a thread the member may no longer read is left out;
    of a confidential thread the e-mail says only that there is a new post, and
    links to it: no title, no text.
    """
    from forum import permissions
    from forum.models import CONFIDENTIAL_NOTIFICATION_TEXT

    lines = []
    for notification in notifications:
        thread = notification.thread
        if thread is not None:
            if not permissions.can_read_thread(user, thread):
                continue
            if thread.is_confidential:
                notification.text = str(CONFIDENTIAL_NOTIFICATION_TEXT)
        lines.append(notification)
    return lines


def _send(user_id: int, *, digest: bool) -> int:
    from accounts.models import User
    from forum.models import Notification

    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        pending = Notification.objects.select_for_update(of=("self",)).filter(
            user=user, emailed_at__isnull=True, read_at__isnull=True
        )
        if not digest:
            pending = pending.exclude(kind__in=DIGEST_ONLY_KINDS)
        elif user.notification_email != "daily":
            pending = pending.filter(kind__in=DIGEST_ONLY_KINDS)
        pending = list(pending.select_related("thread", "thread__category").order_by("created_at"))
        if not pending or not user.email or not user.is_active:
            return 0
        lines = _email_lines(user, pending)
        if not lines:
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                emailed_at=timezone.now()
            )
            return 0
        with translation.override(user.preferred_language):
            subject = render_to_string(
                "forum/email/notifications_subject.txt",
                {"count": len(lines), "digest": digest},
            ).strip()
            body = render_to_string(
                "forum/email/notifications.txt",
                {
                    "user": user,
                    "notifications": lines,
                    "site_url": settings.SITE_URL,
                    "digest": digest,
                },
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    return len(lines)
