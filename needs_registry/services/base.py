"""What the registry's services share: locking a need, its counters, telling
those who follow it, and keeping its discussion thread as public as the need."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from forum.services import thread_publicity_follow
from needs_registry import permissions
from needs_registry.models import (
    CityPosition,
    Commitment,
    Follow,
    Need,
    NeedCityHistory,
)
from notifications.services import notify

POSITION_FIELDS = [
    "stance",
    "urgency",
    "current_system",
    "solution",
    "cost_weight",
    "in_production",
]
COMMITMENT_FIELDS = ["amount_eur", "budget_year"]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def position_state(position: CityPosition | None) -> dict[str, Any]:
    """A position's fields as they are now, for its history ({} when there is none)."""
    if position is None or position.pk is None:
        return {}
    return {name: _plain(getattr(position, name)) for name in POSITION_FIELDS}


def commitment_state(commitment: Commitment | None) -> dict[str, Any]:
    if commitment is None or commitment.pk is None:
        return {}
    return {name: _plain(getattr(commitment, name)) for name in COMMITMENT_FIELDS}


def city_history_record(
    *,
    actor: User,
    need: Need,
    organisation: Organisation,
    kind: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> NeedCityHistory | None:
    """Keep one change of a city's position or commitment, and audit it; nothing if unchanged."""
    if before == after:
        return None
    entry = NeedCityHistory.objects.create(
        need=need, organisation=organisation, kind=kind, actor=actor, before=before, after=after
    )
    changed = sorted(n for n in {*before, *after} if before.get(n) != after.get(n))
    audit_record(
        action=(
            AuditEntry.Action.CITY_POSITION
            if kind == NeedCityHistory.Kind.POSITION
            else AuditEntry.Action.COMMITMENT
        ),
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"{organisation.slug}: {', '.join(changed)}",
        data={"organisation": organisation.slug, "before": before, "after": after},
    )
    return entry


def lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)


def refresh_counts(need: Need) -> None:
    counts = Need.objects.filter(pk=need.pk).aggregate(
        votes=Count("votes", distinct=True),
        sharing=Count(
            "positions", filter=Q(positions__stance=CityPosition.Stance.HAS_NEED), distinct=True
        ),
        supports=Count("supports", distinct=True),
    )
    Need.objects.filter(pk=need.pk).update(
        vote_count=counts["votes"],
        sharing_count=counts["sharing"],
        support_count=counts["supports"],
        updated_at=timezone.now(),
    )


def interested(need: Need) -> list[User]:
    """Followers of the need and the ICT leads of its sharing cities."""
    sharing = CityPosition.objects.filter(need=need, stance=CityPosition.Stance.HAS_NEED).values(
        "organisation"
    )
    people = User.objects.filter(
        Q(pk__in=Follow.objects.filter(need=need).values("user"))
        | Q(organisation__in=sharing, roles__role__in=list(permissions.CITY)),
        is_active=True,
    ).distinct()
    return list(people)


def notify_interested(
    need: Need,
    *,
    actor: User,
    kind: str,
    params: dict[str, Any] | None = None,
    target: Any = None,
) -> None:
    """Tell those interested in the need who may read it (a draft's title stays in its
    city); ``target`` is the need unless the kind points at something else (a decision)."""
    notify(
        [user for user in interested(need) if permissions.can_read_need(user, need)],
        kind,
        params,
        actor=actor,
        target=need if target is None else target,
        url=need.get_absolute_url(),
    )


def actor_city(actor: User) -> Organisation:
    """The city ``actor`` acts for, once a permission check has let them act for one."""
    if actor.organisation is None:
        # The permission checks refuse members without a city before this is asked.
        raise PermissionDenied
    return actor.organisation


def discussion_follow(need: Need, actor: User) -> None:
    """Give the need's discussion thread the need's publicity, after the need changed."""
    if need.discussion is not None:
        thread_publicity_follow(
            actor=actor, thread=need.discussion, publicity=permissions.need_publicity(need)
        )
