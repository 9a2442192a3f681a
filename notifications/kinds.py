"""The kinds of notification and the targets they point at.

Each app registers its own kinds and target types (from its ``AppConfig.ready``)
so that this app depends on none of them. A kind says how a notification reads
(rendered when it is read or e-mailed, under the reader's language, never stored
as a sentence); a target type says which of a reader's targets they may still
read, so a notification about something now closed to them is neither shown nor
e-mailed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from config import cache_versions

if TYPE_CHECKING:
    from accounts.models import User
    from notifications.models import Notification

# Renewed after every change that may change who may read some target (see
# ``register_target``'s ``depends_on``): the unread counts kept in the cache
# (``notifications.selectors.unread_count``) name the version they were counted under.
ACCESS_VERSION_KEY = "notifications:access-version"


# ``load(reader, ids)`` returns the targets among ``ids`` the reader may read,
# by id, in a constant number of queries.
TargetLoader = Callable[["User", list[int]], dict[int, Any]]
# ``can_read(reader, target)``: the same rule for one target already in hand.
TargetCheck = Callable[["User", Any], bool]
# ``readable_ids(reader, ids)``: the ids among ``ids`` that ``load`` would return, read
# without loading the targets (for counting, on every page's header).
TargetIds = Callable[["User", list[int]], set[int]]
# ``render(notification, target)`` returns the sentence in the active language;
# ``target`` is None for a kind without a target.
Renderer = Callable[["Notification", Any], str]
# ``excerpt(notification, target, reader)`` returns the text an e-mail may quote.
Excerpt = Callable[["Notification", Any, "User"], str]
# ``attachment(notification, target, reader)`` returns a file the e-mail carries,
# as (file name, content, MIME type), made for that reader; or None.
EmailAttachment = Callable[["Notification", Any, "User"], tuple[str, bytes, str] | None]


@dataclass(frozen=True)
class Kind:
    name: str
    render: Renderer
    target_type: str = ""
    # Sent only in the daily digest, never at once (an @organisation mention
    # reaches a whole city).
    digest_only: bool = False
    excerpt: Excerpt | None = None
    attachment: EmailAttachment | None = None
    # Off for a duty (a flag reaches the moderators even from someone they muted).
    mutable: bool = True


_KINDS: dict[str, Kind] = {}


@dataclass(frozen=True)
class TargetType:
    name: str
    load: TargetLoader
    can_read: TargetCheck
    readable_ids: TargetIds | None = None

    def ids(self, reader: "User", ids: list[int]) -> set[int]:
        if self.readable_ids is not None:
            return self.readable_ids(reader, ids)
        return set(self.load(reader, ids))


_TARGETS: dict[str, TargetType] = {}


def register_kind(kind: Kind) -> Kind:
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"notification kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind
    return kind


def register_target(
    name: str,
    *,
    load: TargetLoader,
    can_read: TargetCheck,
    readable_ids: TargetIds | None = None,
    depends_on: Iterable[type] = (),
    created_changes_nothing: Iterable[type] = (),
) -> None:
    """Register a target type. ``depends_on`` names every model (and many-to-many
    table) a change to which may change who may read such a target, besides the
    reader's own roles and organisation: a save or deletion of one renews
    ``ACCESS_VERSION_KEY`` once committed. ``created_changes_nothing`` names those
    of them whose new rows change nobody's access to what already exists (a new
    post): only their changes and deletions renew it, so that writing in the forum
    does not make every member's count be counted again."""
    _TARGETS[name] = TargetType(name=name, load=load, can_read=can_read, readable_ids=readable_ids)
    _CREATED_CHANGES_NOTHING.update(created_changes_nothing)
    for model in depends_on:
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(
                access_changed,
                sender=model,
                dispatch_uid=f"notifications_access_{id(signal)}_{model._meta.label}",  # type: ignore[attr-defined]
            )


_CREATED_CHANGES_NOTHING: set[type] = set()


def access_changed(**kwargs: Any) -> None:
    """Receiver: who may read some target may have changed; kept unread counts give
    way once the change is committed (a rollback renews nothing)."""
    if kwargs.get("created") and kwargs.get("sender") in _CREATED_CHANGES_NOTHING:
        return
    transaction.on_commit(renew_access_version)


def renew_access_version() -> None:
    """Kept unread counts are never read again (also after a change to the
    categories' rules, ``forum.category_rules.changed``)."""
    # Kept counts expire within notifications.selectors.COUNT_TIMEOUT should it fail.
    cache_versions.renew(ACCESS_VERSION_KEY)


def target_type_get(name: str) -> TargetType:
    return _TARGETS[name]


def kind_get(name: str) -> Kind:
    """The kind called ``name``; an unknown one (its app removed) reads as a plain notice."""
    return _KINDS.get(name) or _KINDS[LEGACY]


def digest_only_kinds() -> frozenset[str]:
    return frozenset(name for name, kind in _KINDS.items() if kind.digest_only)


def readable_targets(
    reader: "User", notifications: Iterable["Notification"]
) -> dict[tuple[str, int], Any]:
    """The targets of ``notifications`` the reader may read now, one query set per type."""
    found: dict[tuple[str, int], Any] = {}
    for registered, ids in _wanted(notifications):
        for pk, target in registered.load(reader, ids).items():
            found[(registered.name, pk)] = target
    return found


def _wanted(notifications: Iterable["Notification"]) -> list[tuple[TargetType, list[int]]]:
    """The target ids of ``notifications`` by registered target type."""
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        if notification.target_type and notification.target_id is not None:
            wanted.setdefault(notification.target_type, set()).add(notification.target_id)
    return [
        (_TARGETS[target_type], sorted(ids))
        for target_type, ids in wanted.items()
        if target_type in _TARGETS
    ]


def readable_target_keys(
    reader: "User", notifications: Iterable["Notification"]
) -> set[tuple[str, int]]:
    """The (type, id) of the targets of ``notifications`` the reader may read now, as
    ``readable_targets`` finds them but without loading them."""
    found: set[tuple[str, int]] = set()
    for registered, ids in _wanted(notifications):
        found.update((registered.name, pk) for pk in registered.ids(reader, ids))
    return found


def _legacy_render(notification: "Notification", target: Any) -> str:
    return str(notification.params.get("text", ""))


# Notifications written before they were stored as kinds keep the sentence they
# were written with (best effort); nothing new is stored this way.
LEGACY = "legacy"
register_kind(Kind(name=LEGACY, render=_legacy_render))
