"""E-mailing notifications: at once, or in the daily digest, in the recipient's language."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import NotificationEmail, User
from notifications.kinds import digest_only_kinds, kind_get
from notifications.models import Notification
from notifications.selectors import visible


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
    sent = 0
    since = timezone.now() - timedelta(days=7)
    users = User.objects.filter(
        Q(notification_email=NotificationEmail.DAILY)
        | Q(
            notification_email=NotificationEmail.IMMEDIATE,
            notifications__kind__in=digest_only_kinds(),
        ),
        is_active=True,
        notifications__emailed_at__isnull=True,
        notifications__read_at__isnull=True,
        notifications__created_at__gte=since,
    ).distinct()
    for user in users:
        sent += _send(user.pk, digest=True)
    return sent


def _send(user_id: int, *, digest: bool) -> int:
    """Render and send one e-mail of the member's pending notifications.

    Each is re-checked against the read rule as it is now and rendered in the
    member's language; one about something they may no longer read is left out
    (and never sent later). A kind may quote its target's text (a post's words)
    when the member may read it.
    """
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        pending_qs = Notification.objects.select_for_update(of=("self",)).filter(
            user=user, emailed_at__isnull=True, read_at__isnull=True
        )
        if not digest:
            pending_qs = pending_qs.exclude(kind__in=digest_only_kinds())
        elif user.notification_email != NotificationEmail.DAILY:
            pending_qs = pending_qs.filter(kind__in=digest_only_kinds())
        pending = list(pending_qs.select_related("actor").order_by("created_at"))
        if not pending or not user.email or not user.is_active:
            return 0
        with translation.override(user.preferred_language):
            lines = []
            attachments = []
            for shown in visible(user, pending):
                kind = kind_get(shown.notification.kind)
                excerpt = kind.excerpt
                if kind.attachment is not None:
                    attached = kind.attachment(shown.notification, shown.target, user)
                    if attached is not None:
                        attachments.append(attached)
                lines.append(
                    {
                        "text": shown.text,
                        "url": shown.notification.url,
                        "excerpt": excerpt(shown.notification, shown.target, user)
                        if excerpt
                        else "",
                    }
                )
            if lines:
                subject = render_to_string(
                    "notifications/email/notifications_subject.txt",
                    {"count": len(lines), "digest": digest},
                ).strip()
                body = render_to_string(
                    "notifications/email/notifications.txt",
                    {
                        "user": user,
                        "lines": lines,
                        "site_url": settings.SITE_URL,
                        "digest": digest,
                    },
                )
        if lines:
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            for filename, content, mimetype in attachments:
                message.attach(filename, content, mimetype)
            message.send()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    return len(lines)
