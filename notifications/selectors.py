"""Reads of notifications: each rendered in the active language, each re-checked
against its reader's read rule (a notification about something they may no
longer read is neither shown, counted nor e-mailed)."""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from config import cache_versions
from notifications.kinds import (
    ACCESS_VERSION_KEY,
    kind_get,
    readable_target_keys,
    readable_targets,
)
from notifications.models import Mute, Notification

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
# A kept unread count lives at most this long: it bounds how long a count can stay
# behind a change to who may read something that no registered model's signal
# told of (a bulk update), or an access version renewal that failed.
COUNT_TIMEOUT = 5 * 60


@dataclass(frozen=True)
class Shown:
    """A notification as its reader sees it now."""

    notification: Notification
    text: str
    target: Any

    @property
    def pk(self) -> int:
        return self.notification.pk

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def visible(reader: User, notifications: list[Notification]) -> list[Shown]:
    """``notifications`` the reader may still read, rendered in the active language."""
    targets = readable_targets(reader, notifications)
    shown = []
    for notification in notifications:
        target = None
        if notification.target_type:
            key = (notification.target_type, notification.target_id or 0)
            if key not in targets:
                continue
            target = targets[key]
        text = kind_get(notification.kind).render(notification, target)
        shown.append(Shown(notification=notification, text=text, target=target))
    return shown


def _for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("actor")


def unread_version_key(user_id: int) -> str:
    """The cache key of the version every change to the member's notifications renews
    (``notifications.services.unread_changed``)."""
    return f"notifications:unread-version:{user_id}"


def unread_count(*, user: User) -> int:
    """How many unread notifications the member may still read.

    Every page's header shows it, and counting means asking each unread
    notification's read rule. So the count is kept in the cache under what it
    depends on: the member's own version, which every change to their
    notifications renews once it commits (``notifications.services.unread_changed``:
    one arriving, read or deleted, in the services, the back office or a bulk
    write), the member's roles and organisation, and the access version that
    every change to who may read a target renews
    (``notifications.kinds.register_target``). The count is kept with both
    versions, read before counting: a change committed meanwhile renews one of
    them, and the count kept with the old one is never taken again. A page view
    with the count kept reads the cache once (the versions and the count
    together) and the database not at all. Counts are kept only outside a
    transaction, so nothing that could still be rolled back is cached.
    """
    if not user.is_authenticated:
        return 0
    if connection.in_atomic_block:
        return _count_unread(user)
    version_keys = [ACCESS_VERSION_KEY, unread_version_key(user.pk)]
    key = _count_key(user)
    try:
        # The versions and the kept count in one round trip to the cache.
        versions, kept = cache_versions.current_many_with(version_keys, key)
    except Exception:  # a cache that is away slows the page down, never breaks it
        logger.warning("An unread count could not be read from the cache", exc_info=True)
        return _count_unread(user)
    if isinstance(kept, tuple) and kept[0] == versions:
        return int(kept[1])
    count = _count_unread(user)
    try:
        cache.set(key, (versions, count), COUNT_TIMEOUT)
    except Exception:
        logger.warning("An unread count could not be cached", exc_info=True)
    return count


_COUNTED = ("pk", "kind", "target_type", "target_id")


def _count_key(user: User) -> str:
    """The cache key of ``user``'s unread count, kept with the versions it was
    counted under (the access version and the member's own)."""
    database = settings.DATABASES["default"]
    made_of = repr(
        (
            (database.get("HOST"), database.get("PORT"), str(database["NAME"])),
            user.pk,
            user.organisation_id,
            user.is_active,
            user.is_superuser,
            sorted(user.role_set),
        )
    )
    # "unread-of": kept with its versions; "unread" held the bare count.
    return (
        "notifications:unread-of:" + hashlib.blake2b(made_of.encode(), digest_size=16).hexdigest()
    )


def _count_unread(user: User) -> int:
    """The count read afresh: built only when the cache has none (a page view that
    finds it kept builds no query)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True).only(*_COUNTED)
    return _count_readable(user, list(unread))


def _count_readable(user: User, notifications: list[Notification]) -> int:
    targets = readable_target_keys(user, notifications)
    return sum(
        1
        for n in notifications
        if not n.target_type or (n.target_type, n.target_id or 0) in targets
    )


def notification_page(
    *, user: User, number: int | str | None
) -> tuple[Page[Notification], list[Shown]]:
    """One page (25) of the member's notifications, newest first.

    Paged before the read rule is re-checked, so a page may show fewer than 25
    when some point at things the member may no longer read; the pages stay
    stable as the member's access changes.
    """
    paginator = Paginator(_for(user).order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(number)
    return page, visible(user, list(page.object_list))


def notification_get_for_reader(*, user: User, pk: int) -> Shown:
    """The member's notification ``pk``, if they may still read its target; else 404."""
    notification = _for(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    shown = visible(user, [notification])
    if not shown:
        raise Http404
    return shown[0]


def notification_rows(*, user: User) -> list[dict[str, Any]]:
    """The member's notifications for their data download, oldest first: as the
    notifications page shows them, and one about something the member may no
    longer read with its kind and dates but no text."""
    notifications = list(_for(user).order_by("created_at", "id"))
    shown = {s.pk: s.text for s in visible(user, notifications)}
    return [
        {
            "kind": n.kind,
            "text": shown.get(n.pk, ""),
            "url": n.url if n.pk in shown else "",
            "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
        }
        for n in notifications
    ]


def muted_people(*, user: User) -> list[User]:
    """The people on the member's mute list, by name."""
    return sorted(
        (m.muted for m in Mute.objects.filter(user=user).select_related("muted__organisation")),
        key=lambda person: person.public_name.casefold(),
    )


def is_muted(*, user: User, other: User) -> bool:
    """Whether the member muted ``other``."""
    if not user.is_authenticated:
        return False
    return Mute.objects.filter(user=user, muted=other).exists()


def mute_target_get(*, user: User, pk: int) -> User:
    """A member who may be muted: an active member other than oneself; else 404.

    A member already muted may always be taken off the list, even once gone.
    """
    person = User.objects.filter(pk=pk).first()
    if person is None or person.pk == user.pk:
        raise Http404
    if not person.is_active and not Mute.objects.filter(user=user, muted=person).exists():
        raise Http404
    return person
