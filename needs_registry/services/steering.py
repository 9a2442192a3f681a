"""The steering group's work: prioritisation rounds, meetings and decisions."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, User
from accounts.services import audit_record
from forum.models import Notification
from needs_registry import permissions
from needs_registry.models import (
    Decision,
    DecisionStance,
    Meeting,
    Need,
    PrioritisationRound,
    RoundAllocation,
    Status,
    Transition,
)
from needs_registry.services.base import discussion_follow, lock_need, notify_interested
from search.indexing import index_on_commit


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
        RoundAllocation.objects.filter(round=round_, organisation=actor.organisation).values_list(
            "need_id", "points"
        )
    )
    RoundAllocation.objects.filter(round=round_, organisation=actor.organisation).delete()
    RoundAllocation.objects.bulk_create(
        RoundAllocation(
            round=round_,
            need_id=need_id,
            organisation=actor.organisation,
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
            summary=f"{actor.organisation.slug}: {sum(now.values())} points",
            data={
                "organisation": actor.organisation.slug,
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


@transaction.atomic
def meeting_create(*, actor: User, title: str, held_on: date) -> Meeting:
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    meeting = Meeting(title=title, held_on=held_on, created_by=actor)
    meeting.full_clean()
    meeting.save()
    audit_record(
        action=AuditEntry.Action.MEETING,
        actor=actor,
        target=f"meeting:{meeting.pk}",
        summary="created",
        data={"title": meeting.title, "held_on": meeting.held_on.isoformat()},
    )
    return meeting


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, title: str, held_on: date) -> Meeting:
    """Correct a meeting's title or date; audits the change from what to what."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    before = {"title": meeting.title, "held_on": meeting.held_on.isoformat()}
    meeting.title, meeting.held_on = title, held_on
    meeting.full_clean()
    meeting.save()
    after = {"title": meeting.title, "held_on": meeting.held_on.isoformat()}
    if after != before:
        audit_record(
            action=AuditEntry.Action.MEETING,
            actor=actor,
            target=f"meeting:{meeting.pk}",
            summary="changed: " + ", ".join(k for k in after if after[k] != before[k]),
            data={"before": before, "after": after},
        )
    return meeting


@transaction.atomic
def decision_record(
    *,
    actor: User,
    meeting: Meeting,
    need: Need,
    agenda_item: str,
    text: str,
    rationale: str,
    resulting_status: str,
    stances: Mapping[int, str],
) -> Decision:
    """Record the steering group's decision on a need at a meeting.

    Writes ``Decision`` with each city's stance, moves the need to the
    resulting status (recorded as a transition), audits and notifies.
    """
    need = lock_need(need)
    if not permissions.can_steer(actor):
        raise PermissionDenied
    if resulting_status not in permissions.decision_targets(need.status):
        raise ValidationError({"resulting_status": _("The need cannot move to that status.")})
    decision = Decision(
        meeting=meeting,
        need=need,
        agenda_item=agenda_item,
        text=text,
        rationale=rationale,
        resulting_status=resulting_status,
        recorded_by=actor,
    )
    decision.full_clean()
    decision.save()
    DecisionStance.objects.bulk_create(
        DecisionStance(decision=decision, organisation_id=organisation_id, stance=stance)
        for organisation_id, stance in stances.items()
        if stance
    )
    if resulting_status != need.status:
        from_status = need.status
        need.status = resulting_status
        if resulting_status in {Status.ACCEPTED, Status.REJECTED}:
            need.decided_at = timezone.now()
        need.save()
        discussion_follow(need, actor)
        Transition.objects.create(
            need=need,
            from_status=from_status,
            to_status=resulting_status,
            actor=actor,
            reason=_("Decision %(item)s at %(meeting)s: %(text)s")
            % {"item": agenda_item, "meeting": meeting, "text": text},
        )
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"{meeting} {agenda_item}: {resulting_status}",
    )
    notify_interested(
        need,
        actor=actor,
        kind=Notification.Kind.NEED_DECISION,
        text=_("Decision on “%(title)s”: %(text)s") % {"title": need.title, "text": text[:150]},
    )
    index_on_commit("need", need.pk)
    return decision


def round_points_total(need: Need) -> int:
    return RoundAllocation.objects.filter(need=need).aggregate(total=Sum("points"))["total"] or 0
