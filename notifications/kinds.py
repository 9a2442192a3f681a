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

if TYPE_CHECKING:
    from accounts.models import User
    from notifications.models import Notification


# ``load(reader, ids)`` returns the targets among ``ids`` the reader may read,
# by id, in a constant number of queries.
TargetLoader = Callable[["User", list[int]], dict[int, Any]]
# ``can_read(reader, target)``: the same rule for one target already in hand.
TargetCheck = Callable[["User", Any], bool]
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


_TARGETS: dict[str, TargetType] = {}


def register_kind(kind: Kind) -> Kind:
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"notification kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind
    return kind


def register_target(name: str, *, load: TargetLoader, can_read: TargetCheck) -> None:
    _TARGETS[name] = TargetType(name=name, load=load, can_read=can_read)


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
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        if notification.target_type and notification.target_id is not None:
            wanted.setdefault(notification.target_type, set()).add(notification.target_id)
    found: dict[tuple[str, int], Any] = {}
    for target_type, ids in wanted.items():
        registered = _TARGETS.get(target_type)
        if registered is None:
            continue
        for pk, target in registered.load(reader, sorted(ids)).items():
            found[(target_type, pk)] = target
    return found


def _legacy_render(notification: "Notification", target: Any) -> str:
    return str(notification.params.get("text", ""))


# Notifications written before they were stored as kinds keep the sentence they
# were written with (best effort); nothing new is stored this way.
LEGACY = "legacy"
register_kind(Kind(name=LEGACY, render=_legacy_render))
