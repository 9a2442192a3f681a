"""Writes of notifications: creating them (the one way every app notifies) and marking them read."""

import functools
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationEmail, User
from config import cache_versions
from config.tasks import enqueue_with_write
from live.broadcast import broadcast_on_commit, user_group
from notifications import selectors
from notifications.kinds import kind_get, target_type_get
from notifications.models import Mute, Notification
from notifications.tasks import send_notification_email

NOTIFICATION_COUNT = "notifications.count"


def notify(
    recipients: Iterable[User],
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    actor: User | None = None,
    target: Any = None,
    url: str,
    email_now: bool = True,
) -> list[Notification]:
    """Notify ``recipients`` of something of ``kind``; returns the notifications written.

    Stores the kind and its ``params`` (plain data, never a sentence), pushes each
    recipient's new unread count and queues an immediate e-mail for those who want
    one, all after commit. The actor is never notified of their own act, inactive
    members never, and nobody who may not read ``target`` (by its kind's target
    type) now. The sentence is made when the notification is read or e-mailed, in
    the reader's language. With ``email_now`` off, or for a digest-only kind,
    nothing is e-mailed at once: the notification waits for the daily digest.
    Nobody who muted the actor hears of it (unless the kind is a duty, not mutable).
    """
    spec = kind_get(kind)
    if spec.name != kind:
        raise ValueError(f"unknown notification kind {kind!r}")
    check = target_type_get(spec.target_type).can_read if spec.target_type else None
    if check is not None and target is None:
        raise ValueError(f"a {kind!r} notification needs its target")
    recipients = list(recipients)
    if not recipients:
        return []
    created = []
    seen: set[int] = set()
    if actor is not None and spec.mutable:
        seen.update(
            Mute.objects.filter(muted=actor, user__in=[u.pk for u in recipients]).values_list(
                "user_id", flat=True
            )
        )
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if actor is not None and user.pk == actor.pk:
            continue
        if check is not None and not check(user, target):
            continue
        created.append(
            Notification(
                user=user,
                kind=kind,
                params=params or {},
                actor=actor,
                target_type=spec.target_type,
                target_id=target.pk if check is not None else None,
                url=url[:300],
            )
        )
    Notification.objects.bulk_create(created)
    unread_changed(n.user_id for n in created)
    for notification in created:
        user = notification.user
        _push_count(user)
        if (
            email_now
            and not spec.digest_only
            and user.notification_email == NotificationEmail.IMMEDIATE
            and user.email
        ):
            enqueue_with_write(send_notification_email, user.pk)
    return created


def unread_changed(user_ids: Iterable[int]) -> None:
    """The members' notifications changed: their kept unread counts
    (``notifications.selectors.unread_count``) give way once the change commits
    (a rollback renews nothing). Every write of notifications calls it: the
    services here, and the receiver below for single saves and deletions
    (the back office, a member's anonymisation)."""
    keys = sorted({selectors.unread_version_key(pk) for pk in user_ids})
    if keys:
        # Kept counts expire within notifications.selectors.COUNT_TIMEOUT should it fail.
        transaction.on_commit(functools.partial(cache_versions.renew_many, keys))


def notification_changed(sender: type, instance: Notification, **kwargs: Any) -> None:
    """Receiver: a notification saved or deleted one by one."""
    unread_changed([instance.user_id])


def _push_count(user: User) -> None:
    broadcast_on_commit(
        user_group(user.pk), NOTIFICATION_COUNT, {"unread": selectors.unread_count(user=user)}
    )


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all of them, or those among ``ids``);
    pushes the new unread count. Returns how many changed."""
    notifications = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notifications = notifications.filter(pk__in=list(ids))
    changed = notifications.update(read_at=timezone.now())
    if changed:
        unread_changed([user.pk])
    _push_count(user)
    return changed


@transaction.atomic
def mute_set(*, user: User, muted: User, on: bool) -> bool:
    """Add ``muted`` to the member's mute list (``on``) or take them off it.

    Writes or deletes the member's ``Mute`` row; sends nothing. From then on no
    notification whose actor is ``muted`` reaches the member. Precondition: a
    signed-in, active member (``PermissionDenied``); nobody mutes themselves
    (``ValidationError``). Returns whether the list changed.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    if muted.pk == user.pk:
        raise ValidationError(_("You cannot mute yourself."))
    if on:
        _mute, created = Mute.objects.get_or_create(user=user, muted=muted)
        return created
    deleted, _rows = Mute.objects.filter(user=user, muted=muted).delete()
    return bool(deleted)
