"""Writes for the needs registry. Each service checks permission first, runs in
a transaction, validates, writes the audit entry and schedules notifications."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from forum.models import Category, Notification
from forum.services import notification_create
from needs_registry import permissions
from needs_registry.models import (
    CityPosition,
    CityVote,
    Commitment,
    Decision,
    DecisionStance,
    Follow,
    Meeting,
    Need,
    NeedAttachment,
    PrioritisationRound,
    RoundAllocation,
    Status,
    Support,
    Transition,
    VoteRecord,
)
from search.indexing import index_on_commit

NEED_FIELDS = [
    "title",
    "problem",
    "desired_outcome",
    "domain",
    "affected_processes",
    "current_systems",
    "open_source_candidates",
    "one_off_cost_eur",
    "yearly_cost_eur",
    "contract_years",
    "benefit_hours_per_year",
    "urgency",
    "cost_split",
]


def _lock(need: Need) -> Need:
    return Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)


def _refresh_counts(need: Need) -> None:
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


def _interested(need: Need) -> list[User]:
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


def _notify(need: Need, *, actor: User, kind: str, text: str) -> None:
    notification_create(
        users=_interested(need),
        kind=kind,
        actor=actor,
        need=need,
        text=text,
        url=need.get_absolute_url(),
    )


@transaction.atomic
def need_create(
    *, actor: User, data: Mapping[str, Any], tags: Iterable[str] = (), origin_thread=None
) -> Need:
    """Write a new need as a draft of the actor's city; the actor is its contact and follower."""
    if not permissions.can_create_need(actor):
        raise PermissionDenied
    need = Need(
        organisation=actor.organisation,
        contact=actor,
        created_by=actor,
        origin_thread=origin_thread,
        status=Status.DRAFT,
        **{field: data[field] for field in NEED_FIELDS if field in data},
    )
    need.full_clean()
    need.save()
    need.tags.set(sorted({t.strip()[:100] for t in tags if t.strip()}))
    Follow.objects.create(need=need, user=actor)
    Transition.objects.create(need=need, from_status="", to_status=Status.DRAFT, actor=actor)
    index_on_commit("need", need.pk)
    return need


@transaction.atomic
def need_update(
    *, actor: User, need: Need, data: Mapping[str, Any], tags: Iterable[str] | None = None
) -> Need:
    need = _lock(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    for field in NEED_FIELDS:
        if field in data:
            setattr(need, field, data[field])
    need.updated_at = timezone.now()
    need.full_clean()
    need.save()
    if tags is not None:
        need.tags.set(sorted({t.strip()[:100] for t in tags if t.strip()}))
    index_on_commit("need", need.pk)
    return need


def _discussion_for(need: Need, actor: User):
    """The forum thread where a submitted need is discussed (made on submission)."""
    from forum import services as forum_services
    from forum.models import Publicity, Thread

    if need.discussion_id:
        return need.discussion
    if need.origin_thread_id:
        Thread.objects.filter(pk=need.origin_thread_id).update(need=need)
        return need.origin_thread
    category = (
        Category.objects.filter(domain=need.domain, parent__isnull=True, read_roles=[])
        .order_by("position")
        .first()
        or Category.objects.filter(read_roles=[]).order_by("position").first()
    )
    if category is None:
        return None
    body = _("Discussion of the need “%(title)s”.\n\n%(problem)s") % {
        "title": need.title,
        "problem": need.problem,
    }
    thread = forum_services.thread_create(
        actor=actor,
        category=category,
        title=need.title[:200],
        body=body,
        publicity=Publicity.PUBLIC,
        need=need,
    )
    return thread


@transaction.atomic
def need_transition(*, actor: User, need: Need, to_status: str, reason: str = "") -> Need:
    """Move a need along its lifecycle (only by the roles allowed), recording who, when and why.

    Submitting makes the need's forum thread. Followers and sharing cities
    are notified. Writes ``Transition`` and an audit entry.
    """
    need = _lock(need)
    if not permissions.can_transition(actor, need, to_status):
        raise PermissionDenied
    reason = (reason or "").strip()
    if to_status in {Status.REJECTED} and not reason:
        raise ValidationError({"reason": _("Give a reason for the decision.")})
    from_status = need.status
    need.status = to_status
    now = timezone.now()
    if to_status == Status.SUBMITTED and need.submitted_at is None:
        need.submitted_at = now
    if to_status in {Status.ACCEPTED, Status.REJECTED}:
        need.decided_at = now
    if to_status == Status.SUBMITTED:
        need.discussion = _discussion_for(need, actor)
    need.updated_at = now
    need.save()
    Transition.objects.create(
        need=need, from_status=from_status, to_status=to_status, actor=actor, reason=reason[:2000]
    )
    audit_record(
        action=AuditEntry.Action.NEED_TRANSITION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"{from_status} -> {to_status}",
    )
    _notify(
        need,
        actor=actor,
        kind=Notification.Kind.NEED_STATUS,
        text=_("“%(title)s” is now: %(status)s")
        % {"title": need.title, "status": need.get_status_display()},
    )
    index_on_commit("need", need.pk)
    return need


@transaction.atomic
def need_merge(*, actor: User, need: Need, target: Need, reason: str) -> Need:
    """Merge ``need`` into ``target``, keeping everything.

    Votes, city positions, commitments, supports and followers move to the
    target; where a city already has a vote or position on the target, the
    target's stays and the moved one is recorded in the vote history.
    """
    # Lock both rows in a fixed order, so two opposite merges cannot deadlock.
    locked = {
        n.pk: n
        for n in Need.objects.select_for_update().filter(pk__in=[need.pk, target.pk]).order_by("pk")
    }
    need, target = locked[need.pk], locked[target.pk]
    if need.pk == target.pk:
        raise ValidationError({"target": _("A need cannot be merged into itself.")})
    if not permissions.can_merge(actor, need) or target.status in {
        Status.MERGED,
        Status.DRAFT,
        Status.REJECTED,
    }:
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for the merge.")})
    target_vote_cities = set(target.votes.values_list("organisation_id", flat=True))
    for vote in need.votes.select_related("organisation"):
        if vote.organisation_id not in target_vote_cities:
            CityVote.objects.create(
                need=target,
                organisation=vote.organisation,
                voter=vote.voter,
                comment=vote.comment,
                cast_at=vote.cast_at,
            )
        VoteRecord.objects.create(
            need=target,
            organisation=vote.organisation,
            voter=vote.voter,
            action=VoteRecord.Action.MOVED,
            comment=_("Moved from “%(title)s”") % {"title": need.title},
        )
    need.votes.all().delete()
    target_position_cities = set(target.positions.values_list("organisation_id", flat=True))
    need.positions.exclude(organisation_id__in=target_position_cities).update(need=target)
    need.positions.all().delete()
    for commitment in need.commitments.all():
        existing = target.commitments.filter(
            organisation=commitment.organisation, budget_year=commitment.budget_year
        ).first()
        if existing:
            existing.amount_eur += commitment.amount_eur
            existing.save(update_fields=["amount_eur"])
            commitment.delete()
        else:
            commitment.need = target
            commitment.save(update_fields=["need"])
    for model in (Support, Follow):
        users_on_target = set(model.objects.filter(need=target).values_list("user_id", flat=True))
        model.objects.filter(need=need).exclude(user_id__in=users_on_target).update(need=target)
        model.objects.filter(need=need).delete()
    RoundAllocation.objects.filter(need=need).update(need=target)
    from_status = need.status
    need.status = Status.MERGED
    need.merged_into = target
    need.decided_at = timezone.now()
    need.save()
    Transition.objects.create(
        need=need, from_status=from_status, to_status=Status.MERGED, actor=actor, reason=reason
    )
    _refresh_counts(need)
    _refresh_counts(target)
    audit_record(
        action=AuditEntry.Action.NEED_DECISION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=f"merged into need:{target.pk}",
    )
    _notify(
        target,
        actor=actor,
        kind=Notification.Kind.NEED_STATUS,
        text=_("“%(source)s” was merged into “%(target)s”")
        % {"source": need.title, "target": target.title},
    )
    index_on_commit("need", need.pk)
    index_on_commit("need", target.pk)
    return target


@transaction.atomic
def dependencies_set(*, actor: User, need: Need, depends_on: Iterable[Need]) -> None:
    need = _lock(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    depends_on = [d for d in depends_on if d.pk != need.pk]
    # No cycles: a need cannot (indirectly) depend on itself.
    frontier = {d.pk for d in depends_on}
    seen = set()
    while frontier:
        if need.pk in frontier:
            raise ValidationError(
                {"depends_on": _("That would make the needs depend on each other in a circle.")}
            )
        seen |= frontier
        frontier = (
            set(
                Need.depends_on.through.objects.filter(from_need_id__in=frontier).values_list(
                    "to_need_id", flat=True
                )
            )
            - seen
        )
    need.depends_on.set(depends_on)


@transaction.atomic
def city_position_set(
    *,
    actor: User,
    need: Need,
    stance: str,
    urgency: str = "",
    current_system: str = "",
    solution: str = "",
    cost_weight: Decimal | None = None,
) -> CityPosition:
    """Record the actor's city's position on the need (ICT lead or substitute)."""
    need = _lock(need)
    if not permissions.can_set_position(actor, need):
        raise PermissionDenied
    if stance == CityPosition.Stance.SOLVED and not solution.strip():
        raise ValidationError({"solution": _("Tell how and with what it is solved.")})
    position = CityPosition.objects.filter(need=need, organisation=actor.organisation).first()
    position = position or CityPosition(need=need, organisation=actor.organisation)
    position.stance = stance
    position.urgency = urgency
    position.current_system = current_system
    position.solution = solution
    position.cost_weight = cost_weight
    position.updated_by = actor
    position.updated_at = timezone.now()
    position.full_clean()
    position.save()
    _refresh_counts(need)
    return position


@transaction.atomic
def commitment_record(
    *, actor: User, need: Need, amount_eur: Decimal, budget_year: int
) -> Commitment:
    """Record the actor's city's financial commitment (apart from its vote)."""
    need = _lock(need)
    if not permissions.can_set_position(actor, need):
        raise PermissionDenied
    commitment = Commitment.objects.filter(
        need=need, organisation=actor.organisation, budget_year=budget_year
    ).first()
    commitment = commitment or Commitment(
        need=need, organisation=actor.organisation, budget_year=budget_year
    )
    commitment.amount_eur = amount_eur
    commitment.recorded_by = actor
    commitment.recorded_at = timezone.now()
    commitment.full_clean()
    commitment.save()
    return commitment


@transaction.atomic
def city_vote_cast(*, actor: User, need: Need, comment: str = "") -> CityVote:
    """Vote for the need on behalf of the actor's city: one vote per city, changeable.

    The need row is locked, and the (need, city) unique constraint holds under
    any concurrency. Writes the public vote history.
    """
    need = _lock(need)
    if not permissions.can_vote(actor, need):
        raise PermissionDenied
    comment = (comment or "").strip()[:500]
    vote = CityVote.objects.filter(need=need, organisation=actor.organisation).first()
    action = VoteRecord.Action.CHANGED if vote else VoteRecord.Action.CAST
    if vote is None:
        vote = CityVote(need=need, organisation=actor.organisation)
    vote.voter = actor
    vote.comment = comment
    vote.cast_at = timezone.now()
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:
        raise ValidationError(_("Your city's vote was just cast by someone else.")) from None
    VoteRecord.objects.create(
        need=need, organisation=actor.organisation, voter=actor, action=action, comment=comment
    )
    _refresh_counts(need)
    return vote


@transaction.atomic
def city_vote_withdraw(*, actor: User, need: Need) -> None:
    need = _lock(need)
    if not permissions.can_vote(actor, need):
        raise PermissionDenied
    deleted, _n = CityVote.objects.filter(need=need, organisation=actor.organisation).delete()
    if deleted:
        VoteRecord.objects.create(
            need=need,
            organisation=actor.organisation,
            voter=actor,
            action=VoteRecord.Action.WITHDRAWN,
        )
        _refresh_counts(need)


@transaction.atomic
def support_set(*, actor: User, need: Need, on: bool) -> None:
    """An expert's personal support, counted apart from city votes."""
    need = _lock(need)
    if not permissions.is_city_member(actor) or not permissions.can_read_need(actor, need):
        raise PermissionDenied
    if on:
        Support.objects.get_or_create(need=need, user=actor)
    else:
        Support.objects.filter(need=need, user=actor).delete()
    _refresh_counts(need)


def follow_set(*, actor: User, need: Need, on: bool) -> None:
    if not permissions.is_city_member(actor) or not permissions.can_read_need(actor, need):
        raise PermissionDenied
    if on:
        Follow.objects.get_or_create(need=need, user=actor)
    else:
        Follow.objects.filter(need=need, user=actor).delete()


@transaction.atomic
def production_record(
    *,
    actor: User,
    need: Need,
    maintainer: str,
    licence: str,
    repository_url: str,
    cities: Iterable[Organisation],
) -> Need:
    """Record who maintains a need in production, under which licence, and which cities use it."""
    need = _lock(need)
    if not permissions.can_record_production(actor, need):
        raise PermissionDenied
    need.maintainer, need.licence, need.repository_url = maintainer, licence, repository_url
    need.full_clean()
    need.save(update_fields=["maintainer", "licence", "repository_url"])
    using = {c.pk for c in cities}
    for organisation_id in using:
        CityPosition.objects.get_or_create(
            need=need,
            organisation_id=organisation_id,
            defaults={"stance": CityPosition.Stance.HAS_NEED, "updated_by": actor},
        )
    CityPosition.objects.filter(need=need).update(in_production=False)
    CityPosition.objects.filter(need=need, organisation_id__in=using).update(in_production=True)
    _refresh_counts(need)
    return need


# Prioritisation rounds


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
    return clean


@transaction.atomic
def round_close(*, actor: User, round_: PrioritisationRound) -> PrioritisationRound:
    round_ = PrioritisationRound.objects.select_for_update().get(pk=round_.pk)
    if not permissions.can_steer(actor):
        raise PermissionDenied
    if round_.closed_at is None:
        round_.closed_at = timezone.now()
        round_.save(update_fields=["closed_at"])
    return round_


# Meetings and decisions


@transaction.atomic
def meeting_create(*, actor: User, title: str, held_on: date) -> Meeting:
    if not permissions.can_record_meeting(actor):
        raise PermissionDenied
    meeting = Meeting(title=title, held_on=held_on, created_by=actor)
    meeting.full_clean()
    meeting.save()
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
    need = _lock(need)
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
    _notify(
        need,
        actor=actor,
        kind=Notification.Kind.NEED_DECISION,
        text=_("Decision on “%(title)s”: %(text)s") % {"title": need.title, "text": text[:150]},
    )
    index_on_commit("need", need.pk)
    return decision


def round_points_total(need: Need) -> int:
    return RoundAllocation.objects.filter(need=need).aggregate(total=Sum("points"))["total"] or 0


@transaction.atomic
def need_attachment_add(*, actor: User, need: Need, upload) -> NeedAttachment:
    """Attach a file to a need (its type checked on content, like forum attachments)."""
    from forum.services import attachment_check

    need = _lock(need)
    if not permissions.can_edit_need(actor, need):
        raise PermissionDenied
    mime, name = attachment_check(upload)
    attachment = NeedAttachment(
        need=need, uploader=actor, original_name=name, content_type=mime, size=upload.size
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
