"""What cities and members say of a need: positions, commitments, votes, support,
following, production."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry, Organisation, User
from accounts.services import audit_record
from needs_registry import permissions
from needs_registry.models import (
    CityPosition,
    CityVote,
    Commitment,
    Follow,
    Need,
    NeedCityHistory,
    Support,
    VoteRecord,
)
from needs_registry.services.base import (
    actor_city,
    city_history_record,
    commitment_state,
    lock_need,
    position_state,
    refresh_counts,
)


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
    """Record the actor's city's position on the need (ICT lead or substitute).

    Writes ``CityPosition``, and when it changed, its history
    (``NeedCityHistory``) and an audit entry.
    """
    need = lock_need(need)
    if not permissions.can_set_position(actor, need):
        raise PermissionDenied
    city = actor_city(actor)
    if stance == CityPosition.Stance.SOLVED and not solution.strip():
        raise ValidationError({"solution": _("Tell how and with what it is solved.")})
    position = CityPosition.objects.filter(need=need, organisation=city).first()
    position = position or CityPosition(need=need, organisation=city)
    before = position_state(position)
    position.stance = stance
    position.urgency = urgency
    position.current_system = current_system
    position.solution = solution
    position.cost_weight = cost_weight
    position.updated_by = actor
    position.updated_at = timezone.now()
    position.full_clean()
    position.save()
    city_history_record(
        actor=actor,
        need=need,
        organisation=city,
        kind=NeedCityHistory.Kind.POSITION,
        before=before,
        after=position_state(position),
    )
    refresh_counts(need)
    return position


@transaction.atomic
def commitment_record(
    *, actor: User, need: Need, amount_eur: Decimal, budget_year: int
) -> Commitment:
    """Record the actor's city's financial commitment (apart from its vote).

    Writes ``Commitment``, and when it changed, its history and an audit entry.
    """
    need = lock_need(need)
    if not permissions.can_set_position(actor, need):
        raise PermissionDenied
    city = actor_city(actor)
    commitment = Commitment.objects.filter(
        need=need, organisation=city, budget_year=budget_year
    ).first()
    commitment = commitment or Commitment(need=need, organisation=city, budget_year=budget_year)
    before = commitment_state(commitment)
    commitment.amount_eur = amount_eur
    commitment.recorded_by = actor
    commitment.recorded_at = timezone.now()
    commitment.full_clean()
    commitment.save()
    city_history_record(
        actor=actor,
        need=need,
        organisation=city,
        kind=NeedCityHistory.Kind.COMMITMENT,
        before=before,
        after=commitment_state(commitment),
    )
    return commitment


@transaction.atomic
def city_vote_cast(*, actor: User, need: Need, comment: str = "") -> CityVote:
    """Vote for the need on behalf of the actor's city: one vote per city, changeable.

    The need row is locked, and the (need, city) unique constraint holds under
    any concurrency. Writes the public vote history.
    """
    need = lock_need(need)
    if not permissions.can_vote(actor, need):
        raise PermissionDenied
    city = actor_city(actor)
    comment = (comment or "").strip()[:500]
    vote = CityVote.objects.filter(need=need, organisation=city).first()
    action = VoteRecord.Action.CHANGED if vote else VoteRecord.Action.CAST
    if vote is None:
        vote = CityVote(need=need, organisation=city)
    vote.voter = actor
    vote.comment = comment
    vote.cast_at = timezone.now()
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:
        raise ValidationError(_("Your city's vote was just cast by someone else.")) from None
    VoteRecord.objects.create(
        need=need, organisation=city, voter=actor, action=action, comment=comment
    )
    refresh_counts(need)
    return vote


@transaction.atomic
def city_vote_withdraw(*, actor: User, need: Need) -> None:
    need = lock_need(need)
    if not permissions.can_vote(actor, need):
        raise PermissionDenied
    city = actor_city(actor)
    deleted, _n = CityVote.objects.filter(need=need, organisation=city).delete()
    if deleted:
        VoteRecord.objects.create(
            need=need,
            organisation=city,
            voter=actor,
            action=VoteRecord.Action.WITHDRAWN,
        )
        refresh_counts(need)


@transaction.atomic
def support_set(*, actor: User, need: Need, on: bool) -> None:
    """An expert's personal support, counted apart from city votes."""
    need = lock_need(need)
    if not permissions.is_city_member(actor) or not permissions.can_read_need(actor, need):
        raise PermissionDenied
    if on:
        Support.objects.get_or_create(need=need, user=actor)
    else:
        Support.objects.filter(need=need, user=actor).delete()
    refresh_counts(need)


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
    """Record who maintains a need in production, under which licence, and which cities use it.

    Each city's position whose "in production" changes gets a history entry;
    the whole record is audited.
    """
    need = lock_need(need)
    if not permissions.can_record_production(actor, need):
        raise PermissionDenied
    before = {
        "maintainer": need.maintainer,
        "licence": need.licence,
        "repository_url": need.repository_url,
        "cities": sorted(
            CityPosition.objects.filter(need=need, in_production=True).values_list(
                "organisation__slug", flat=True
            )
        ),
    }
    need.maintainer, need.licence, need.repository_url = maintainer, licence, repository_url
    need.full_clean()
    need.save(update_fields=["maintainer", "licence", "repository_url"])
    using = {c.pk for c in cities}
    positions = {
        p.organisation_id: p
        for p in CityPosition.objects.filter(need=need).select_related("organisation")
    }
    for organisation in Organisation.objects.filter(pk__in=using | set(positions)):
        position = positions.get(organisation.pk)
        in_production = organisation.pk in using
        if position is not None and position.in_production == in_production:
            continue
        state_before = position_state(position)
        position = position or CityPosition(
            need=need, organisation=organisation, stance=CityPosition.Stance.HAS_NEED
        )
        position.in_production = in_production
        position.updated_by = actor
        position.updated_at = timezone.now()
        position.save()
        city_history_record(
            actor=actor,
            need=need,
            organisation=organisation,
            kind=NeedCityHistory.Kind.POSITION,
            before=state_before,
            after=position_state(position),
        )
    after = {
        "maintainer": maintainer,
        "licence": licence,
        "repository_url": repository_url,
        "cities": sorted(
            CityPosition.objects.filter(need=need, in_production=True).values_list(
                "organisation__slug", flat=True
            )
        ),
    }
    audit_record(
        action=AuditEntry.Action.PRODUCTION,
        actor=actor,
        target=f"need:{need.pk}",
        summary=", ".join(n for n in after if before[n] != after[n]),
        data={"before": before, "after": after},
    )
    refresh_counts(need)
    return need
