"""Notifications: in-app ones with their live unread counts, e-mail, and who follows what."""

from collections.abc import Iterable
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from forum import events, permissions
from forum.models import (
    CONFIDENTIAL_NOTIFICATION_TEXT,
    Category,
    Notification,
    Post,
    Thread,
    Watch,
)
from forum.tasks import send_notification_email


def notify(
    *,
    users: Iterable[User],
    kind: str,
    actor: User | None,
    text: str,
    url: str,
    thread: Thread | None = None,
    post: Post | None = None,
    need=None,
    email_now: bool = True,
) -> list[Notification]:
    """Create in-app notifications, push unread counts and queue e-mails, after commit.

    Only members who may read ``thread`` are notified; of a confidential thread
    the notification says no more than ``CONFIDENTIAL_NOTIFICATION_TEXT``.
    With ``email_now`` off nothing is e-mailed at once, whatever the member's
    preference: the notification waits for the daily digest.
    """
    if thread is not None and thread.is_confidential:
        text = str(CONFIDENTIAL_NOTIFICATION_TEXT)
    created = []
    for user in users:
        if actor is not None and user.pk == actor.pk:
            continue
        if thread is not None and not permissions.can_read_thread(user, thread):
            continue
        created.append(
            Notification(
                user=user,
                kind=kind,
                actor=actor,
                thread=thread,
                post=post,
                need=need,
                text=text[:300],
                url=url[:300],
            )
        )
    Notification.objects.bulk_create(created)
    for notification in created:
        unread = Notification.objects.filter(user=notification.user, read_at__isnull=True).count()
        events.notify_count(notification.user_id, unread)
        if (
            email_now
            and notification.user.notification_email == "immediate"
            and notification.user.email
        ):
            transaction.on_commit(partial(_enqueue_email, notification.user_id), robust=True)
    return created


def _enqueue_email(user_id: int) -> None:
    send_notification_email.enqueue(user_id)


def notification_create(**kwargs) -> list[Notification]:
    """Notify ``users`` of something outside the forum (for example a need's decision)."""
    return notify(**kwargs)


MAX_ORGANISATION_MENTIONS = 3


def _organisation_mention_recipients(
    *, actor: User, thread: Thread, post: Post, handles: set[str], notified: set[int]
) -> list[User]:
    """Who an @organisation mention in ``post`` tells: few, and only those who may be told.

    An @organisation reaches a whole city, so it is bounded three ways. Only
    the first ``MAX_ORGANISATION_MENTIONS`` organisations mentioned in the post
    are told (the others stay links). Only members who may read the thread are told
    (``notify`` checks each), so a confidential thread tells no one outside its
    audience. And a member who has not yet read an earlier mention of their
    organisation in the same thread is not told again. None of it is e-mailed
    at once: it waits for the daily digest.
    """
    slugs = Organisation.objects.filter(slug__in=handles, is_active=True).values_list(
        "slug", flat=True
    )
    first = sorted(slugs, key=lambda slug: post.html.find(f'data-mention="{slug}"'))
    first = first[:MAX_ORGANISATION_MENTIONS]
    if not first:
        return []
    already_told = Notification.objects.filter(
        thread=thread, kind=Notification.Kind.ORGANISATION_MENTION, read_at__isnull=True
    ).values("user_id")
    members = (
        User.objects.filter(organisation__slug__in=first, is_active=True)
        .exclude(pk__in=already_told)
        .select_related("organisation")
    )
    return [u for u in members if u.pk not in notified]


def post_notifications(*, actor: User, thread: Thread, post: Post, handles: set[str]) -> None:
    url = post.get_absolute_url()
    notified: set[int] = {actor.pk}
    quoted = post.reply_to.author if post.reply_to_id and post.reply_to else None
    if quoted is not None and quoted.pk not in notified:
        notify(
            users=[quoted],
            kind=Notification.Kind.QUOTE,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s replied to your post in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
        )
        notified.add(quoted.pk)
    if handles:
        people = [
            u
            for u in User.objects.filter(handle__in=handles, is_active=True)
            if u.pk not in notified
        ]
        notify(
            users=people,
            kind=Notification.Kind.MENTION,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s mentioned you in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
        )
        notified.update(u.pk for u in people)
        organisation_members = _organisation_mention_recipients(
            actor=actor, thread=thread, post=post, handles=handles, notified=notified
        )
        notify(
            users=organisation_members,
            kind=Notification.Kind.ORGANISATION_MENTION,
            actor=actor,
            thread=thread,
            post=post,
            text=_("%(name)s mentioned your organisation in “%(title)s”")
            % {"name": actor.public_name, "title": thread.title},
            url=url,
            email_now=False,
        )
        notified.update(u.pk for u in organisation_members)
    watchers = [
        w.user
        for w in Watch.objects.filter(thread=thread).select_related("user")
        if w.user_id not in notified and w.user.is_active
    ]
    notify(
        users=watchers,
        kind=Notification.Kind.REPLY,
        actor=actor,
        thread=thread,
        post=post,
        text=_("New post in “%(title)s”") % {"title": thread.title},
        url=url,
    )


def watch_set(
    *, user: User, on: bool, thread: Thread | None = None, category: Category | None = None
) -> None:
    if thread is not None and not permissions.can_read_thread(user, thread):
        raise PermissionDenied
    if category is not None and not permissions.can_read_category(user, category):
        raise PermissionDenied
    if on:
        Watch.objects.get_or_create(user=user, thread=thread, category=category)
    else:
        Watch.objects.filter(user=user, thread=thread, category=category).delete()


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    notifications = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    changed = notifications.update(read_at=timezone.now())
    events.notify_count(
        user.pk, Notification.objects.filter(user=user, read_at__isnull=True).count()
    )
    return changed
