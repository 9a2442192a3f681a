"""What cities and members say of a need: positions, commitments, votes, support,
following, production."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from needs_registry import permissions
from needs_registry.models import (
    CityPosition,
    CityVote,
    Commitment,
    Follow,
    Need,
    Support,
    VoteRecord,
)
from needs_registry.services.base import lock_need, refresh_counts


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
    need = lock_need(need)
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
    refresh_counts(need)
    return position


@transaction.atomic
def commitment_record(
    *, actor: User, need: Need, amount_eur: Decimal, budget_year: int
) -> Commitment:
    """Record the actor's city's financial commitment (apart from its vote)."""
    need = lock_need(need)
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
    need = lock_need(need)
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
    refresh_counts(need)
    return vote


@transaction.atomic
def city_vote_withdraw(*, actor: User, need: Need) -> None:
    need = lock_need(need)
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
    """Record who maintains a need in production, under which licence, and which cities use it."""
    need = lock_need(need)
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
    refresh_counts(need)
    return need
