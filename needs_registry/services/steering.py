"""Prioritisation rounds: the cities spread their points over the backlog."""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from needs_registry import permissions
from needs_registry.models import (
    Need,
    PrioritisationRound,
    RoundAllocation,
    Status,
)
from needs_registry.services.base import actor_city


@transaction.atomic
def round_open(
    *,
    actor: User,
    title: str,
    needs: Iterable[Need],
    points_per_city: int,
    opens_at: datetime,
    closes_at: datetime,
) -> PrioritisationRound:
    if not permissions.can_steer(actor):
        raise PermissionDenied
    needs = list(needs)
    if not needs:
        raise ValidationError({"needs": _("Choose the needs of the round.")})
    if any(n.status in {Status.DRAFT, Status.MERGED, Status.REJECTED} for n in needs):
        raise ValidationError({"needs": _("Only submitted needs can be prioritised.")})
    round_ = PrioritisationRound(
        title=title,
        points_per_city=points_per_city,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    round_.full_clean()
    if round_.closes_at <= round_.opens_at:
        raise ValidationError({"closes_at": _("The round must close after it opens.")})
    round_.save()
    round_.needs.set(needs)
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"round:{round_.pk}",
        summary="opened a prioritisation round",
    )
    return round_


@transaction.atomic
def round_allocate(
    *, actor: User, round_: PrioritisationRound, points: Mapping[int, int]
) -> dict[int, int]:
    """Set the actor's city's points in a round (need id -> points), within its budget.

    The round row is locked, so concurrent allocations of one city cannot
    together exceed the budget.
    """
    round_ = PrioritisationRound.objects.select_for_update().get(pk=round_.pk)
    if not permissions.can_allocate(actor, round_):
        raise PermissionDenied
    city = actor_city(actor)
    allowed = set(round_.needs.values_list("pk", flat=True))
    clean: dict[int, int] = {}
    for need_id, value in points.items():
        if int(need_id) not in allowed:
            raise ValidationError({"points": _("A need is not part of this round.")})
        if int(value) < 0:
            raise ValidationError({"points": _("Points cannot be negative.")})
        clean[int(need_id)] = int(value)
    total = sum(clean.values())
    if total > round_.points_per_city:
        raise ValidationError(
            {
                "points": _("Your city has %(budget)d points; these add up to %(total)d.")
                % {"budget": round_.points_per_city, "total": total}
            }
        )
    previous = dict(
        RoundAllocation.objects.filter(round=round_, organisation=city).values_list(
            "need_id", "points"
        )
    )
    RoundAllocation.objects.filter(round=round_, organisation=city).delete()
    RoundAllocation.objects.bulk_create(
        RoundAllocation(
            round=round_,
            need_id=need_id,
            organisation=city,
            points=value,
            allocated_by=actor,
        )
        for need_id, value in clean.items()
        if value
    )
    now = {need_id: value for need_id, value in clean.items() if value}
    if now != previous:
        audit_record(
            action=AuditEntry.Action.POINTS_ALLOCATED,
            actor=actor,
            target=f"round:{round_.pk}",
            summary=f"{city.slug}: {sum(now.values())} points",
            data={
                "organisation": city.slug,
                "before": {str(k): v for k, v in sorted(previous.items())},
                "after": {str(k): v for k, v in sorted(now.items())},
            },
        )
    return clean


@transaction.atomic
def round_close(*, actor: User, round_: PrioritisationRound) -> PrioritisationRound:
    round_ = PrioritisationRound.objects.select_for_update().get(pk=round_.pk)
    if not permissions.can_steer(actor):
        raise PermissionDenied
    if round_.closed_at is None:
        round_.closed_at = timezone.now()
        round_.save(update_fields=["closed_at"])
        audit_record(
            action=AuditEntry.Action.ROUND_CLOSED,
            actor=actor,
            target=f"round:{round_.pk}",
            summary="closed" if round_.closed_at < round_.closes_at else "closed after its end",
            data={
                "totals": {
                    str(row["need_id"]): row["total"]
                    for row in RoundAllocation.objects.filter(round=round_)
                    .values("need_id")
                    .annotate(total=Sum("points"))
                    .order_by("need_id")
                }
            },
        )
    return round_


def round_points_total(need: Need) -> int:
    return RoundAllocation.objects.filter(need=need).aggregate(total=Sum("points"))["total"] or 0
