"""Reads for the needs registry: lists, the backlog board, cost shares, results."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from accounts.models import Organisation, User
from budget.procurement import ProcurementRoute, route_for
from forum.models import Thread
from forum.permissions import can_read_thread
from needs_registry.models import (
    CityPosition,
    CityVote,
    Commitment,
    CostSplit,
    Need,
    NeedAttachment,
    NeedCityHistory,
    PrioritisationRound,
    RoundAllocation,
    Status,
    Transition,
    VoteRecord,
)
from needs_registry.permissions import (
    can_read_need,
    can_read_need_attachment,
    readable_needs,
)
from steering.models import Decision
from steering.permissions import can_read_decision

BOARD_STATUSES = [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED]
BOARD_SORTS = {
    "votes": ("-vote_count", "-id"),
    "points": ("-round_points", "-id"),
    "sharing": ("-sharing_count", "-id"),
    "benefit": ("-benefit_per_euro", "-id"),
    "age": ("submitted_at", "id"),
    "newest": ("-submitted_at", "-id"),
}


def _visible_needs(viewer: User) -> QuerySet[Need]:
    return Need.objects.select_related("organisation", "contact").filter(readable_needs(viewer))


def need_list_open_data() -> QuerySet[Need]:
    """The needs anyone may read, newest submissions first: the open-data API's list."""
    sharing = CityPosition.objects.filter(stance=CityPosition.Stance.HAS_NEED).select_related(
        "organisation"
    )
    return (
        Need.objects.filter(readable_needs(AnonymousUser()))
        .select_related("organisation")
        .prefetch_related(Prefetch("positions", queryset=sharing, to_attr="sharing"))
        .order_by("-submitted_at", "-id")
    )


def need_list(*, viewer: User, status: str = "", domain: str = "") -> QuerySet[Need]:
    # django-stubs does not know taggit's manager as a relation; it prefetches as one.
    needs = _visible_needs(viewer).prefetch_related("tags")  # type: ignore[misc]
    if status:
        needs = needs.filter(status=status)
    if domain:
        needs = needs.filter(domain=domain)
    return needs.order_by("-created_at", "-id")


def need_list_under_review(*, viewer: User, limit: int = 5) -> list[Need]:
    return list(
        _visible_needs(viewer)
        .filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW])
        .order_by("-submitted_at", "-id")[:limit]
    )


def need_get_for_viewer(*, viewer: User, pk: int) -> Need:
    try:
        need = Need.objects.select_related(
            "organisation",
            "contact",
            "merged_into",
            "discussion__category",
            "origin_thread__category",
        ).get(pk=pk)
    except Need.DoesNotExist:
        raise Http404 from None
    if not can_read_need(viewer, need):
        raise Http404
    return need


def need_attachment_get_for_viewer(*, viewer: User, pk: int) -> NeedAttachment:
    """The attachment behind a download address; 404 unless the viewer may read its need."""
    attachment = NeedAttachment.objects.select_related("need").filter(pk=pk).first()
    if attachment is None or not can_read_need_attachment(viewer, attachment):
        raise Http404
    return attachment


@dataclass
class NeedLinks:
    """What a need's page links to, as far as the viewer may read it."""

    dependencies: list[Need]
    dependents: list[Need]
    merged_into: Need | None
    merged_needs: list[Need]
    discussion: Thread | None
    origin_thread: Thread | None


def need_links(*, viewer: User, need: Need) -> NeedLinks:
    """The needs and threads linked to ``need`` that the viewer may read; the others
    are left out, titles and all."""
    readable = readable_needs(viewer)

    def thread(found: Thread | None) -> Thread | None:
        return found if found is not None and can_read_thread(viewer, found) else None

    merged_into = need.merged_into
    return NeedLinks(
        dependencies=list(need.depends_on.filter(readable).order_by("pk")),
        dependents=list(need.dependents.filter(readable).order_by("pk")),
        merged_into=merged_into if merged_into and can_read_need(viewer, merged_into) else None,
        merged_needs=list(need.merged_needs.filter(readable).order_by("pk")),
        discussion=thread(need.discussion),
        origin_thread=thread(need.origin_thread),
    )


def backlog_board(
    *,
    viewer: User,
    status: str = "",
    domain: str = "",
    organisation: str = "",
    unanswered_by: Organisation | None = None,
    round_: PrioritisationRound | None = None,
    sort: str = "votes",
) -> QuerySet[Need]:
    """The steering group's board: needs with votes, points, sharing cities,
    benefit per euro and age, filtered and sorted in the database."""
    points = RoundAllocation.objects.filter(need=OuterRef("pk"))
    if round_ is not None:
        points = points.filter(round=round_)
    totals = points.values("need").annotate(total=Sum("points")).values("total")
    needs = (
        _visible_needs(viewer)
        .exclude(status=Status.DRAFT)
        .annotate(
            round_points=Coalesce(Subquery(totals, output_field=IntegerField()), Value(0)),
            benefit_per_euro=ExpressionWrapper(
                F("benefit_hours_per_year")
                * Value(Decimal(1000))
                / NullIf(
                    F("one_off_cost_eur") + F("yearly_cost_eur") * F("contract_years"),
                    Value(Decimal(0)),
                ),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            ),
        )
    )
    needs = needs.filter(status=status) if status else needs.filter(status__in=BOARD_STATUSES)
    if domain:
        needs = needs.filter(domain=domain)
    if organisation:
        needs = needs.filter(organisation__slug=organisation)
    if unanswered_by is not None:
        needs = needs.exclude(positions__organisation=unanswered_by)
    if round_ is not None:
        needs = needs.filter(rounds=round_)
    order = BOARD_SORTS.get(sort, BOARD_SORTS["votes"])
    if sort == "benefit":
        return needs.order_by(F("benefit_per_euro").desc(nulls_last=True), "-id")
    return needs.order_by(*order)


@dataclass
class CostShare:
    organisation: Organisation
    weight: Decimal
    share_percent: Decimal
    one_off_eur: Decimal
    yearly_eur: Decimal
    total_eur: Decimal


def cost_shares(*, need: Need, positions: list[CityPosition] | None = None) -> list[CostShare]:
    """Each sharing city's share of the estimated cost, by the need's split rule.

    Equal shares by default; by population; or by agreed percentages (cities
    without an agreed percentage share what is left equally).
    """
    if positions is None:
        positions = list(need.positions.select_related("organisation"))
    sharing = [p for p in positions if p.stance == CityPosition.Stance.HAS_NEED]
    if not sharing:
        return []
    if need.cost_split == CostSplit.POPULATION:
        weights = [Decimal(p.organisation.population or 0) for p in sharing]
        if not sum(weights):
            weights = [Decimal(1)] * len(sharing)
    elif need.cost_split == CostSplit.AGREED:
        agreed = [p.cost_weight for p in sharing]
        fixed = sum((w for w in agreed if w is not None), Decimal(0))
        open_count = sum(1 for w in agreed if w is None)
        rest = max(Decimal(100) - fixed, Decimal(0))
        weights = [w if w is not None else rest / open_count for w in agreed]
    else:
        weights = [Decimal(1)] * len(sharing)
    total_weight = sum(weights)
    cent = Decimal("0.01")
    shares = []
    for position, weight in zip(sharing, weights, strict=True):
        fraction = weight / total_weight if total_weight else Decimal(0)
        one_off = (need.one_off_cost_eur * fraction).quantize(cent, ROUND_HALF_UP)
        yearly = (need.yearly_cost_eur * fraction).quantize(cent, ROUND_HALF_UP)
        shares.append(
            CostShare(
                organisation=position.organisation,
                weight=weight,
                share_percent=(fraction * 100).quantize(Decimal("0.1"), ROUND_HALF_UP),
                one_off_eur=one_off,
                yearly_eur=yearly,
                total_eur=(need.total_cost_eur * fraction).quantize(cent, ROUND_HALF_UP),
            )
        )
    return shares


def procurement_route(need: Need) -> ProcurementRoute:
    """The route the need's estimated value over its contract term requires, as goods
    and services (the need page uses its procurement plan's contract type)."""
    return route_for(need.total_cost_eur)


@dataclass
class CityRow:
    organisation: Organisation
    position: CityPosition | None
    vote: CityVote | None
    commitments: list[Commitment]


def city_matrix(*, need: Need) -> list[CityRow]:
    """One row per active member city: its position, vote and commitments on the need."""
    cities = Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY)
    positions = {p.organisation_id: p for p in need.positions.select_related("organisation")}
    votes = {v.organisation_id: v for v in need.votes.select_related("voter")}
    commitments: dict[int, list[Commitment]] = {}
    for commitment in need.commitments.order_by("budget_year"):
        commitments.setdefault(commitment.organisation_id, []).append(commitment)
    return [
        CityRow(city, positions.get(city.pk), votes.get(city.pk), commitments.get(city.pk, []))
        for city in cities.order_by("name_fi")
    ]


def vote_history(*, need: Need) -> list[VoteRecord]:
    return list(need.vote_records.select_related("organisation", "voter"))


def city_history(*, need: Need) -> list[NeedCityHistory]:
    """Every change of the cities' positions and commitments on the need, newest first."""
    return list(need.city_history.select_related("organisation", "actor", "actor__organisation"))


def timeline(*, need: Need) -> list[Transition]:
    return list(need.transitions.select_related("actor", "actor__organisation"))


def decisions_for(*, need: Need, viewer: User) -> list[Decision]:
    """The steering group's decisions on the need that the viewer may read."""
    decisions = need.decisions.select_related("meeting", "item", "recorded_by").prefetch_related(
        "stances__organisation"
    )
    return [d for d in decisions if can_read_decision(viewer, d)]


def round_list() -> QuerySet[PrioritisationRound]:
    return PrioritisationRound.objects.annotate(need_count=Count("needs")).order_by("-opens_at")


def round_get(*, pk: int) -> PrioritisationRound:
    try:
        return PrioritisationRound.objects.get(pk=pk)
    except PrioritisationRound.DoesNotExist:
        raise Http404 from None


@dataclass
class RoundResults:
    needs: list[Need]
    cities: list[Organisation]
    points: dict[tuple[int, int], int]
    totals: dict[int, int]
    spent: dict[int, int]


def round_results(*, viewer: User, round_: PrioritisationRound) -> RoundResults:
    """Points per need per city and in total, needs by total points (those the viewer may read)."""
    allocations = list(round_.allocations.values("need_id", "organisation_id", "points"))
    points = {(a["need_id"], a["organisation_id"]): a["points"] for a in allocations}
    totals: dict[int, int] = {}
    spent: dict[int, int] = {}
    for a in allocations:
        totals[a["need_id"]] = totals.get(a["need_id"], 0) + a["points"]
        spent[a["organisation_id"]] = spent.get(a["organisation_id"], 0) + a["points"]
    needs = sorted(
        round_.needs.filter(readable_needs(viewer)).select_related("organisation"),
        key=lambda n: (-totals.get(n.pk, 0), n.pk),
    )
    cities = list(
        Organisation.objects.filter(is_active=True, kind=Organisation.Kind.CITY).order_by("name_fi")
    )
    return RoundResults(needs=needs, cities=cities, points=points, totals=totals, spent=spent)


def city_allocation(*, round_: PrioritisationRound, organisation: Organisation) -> dict[int, int]:
    return dict(
        round_.allocations.filter(organisation=organisation).values_list("need_id", "points")
    )


def yearly_summary(*, year: int) -> list[dict[str, object]]:
    """Per city: needs submitted, needs shared, votes cast and commitments in ``year``."""
    cities = Organisation.objects.filter(kind=Organisation.Kind.CITY).order_by("name_fi")
    return [_year_row(city, year) for city in cities]


def _year_row(city: Organisation, year: int) -> dict[str, object]:
    return {
        "organisation": city,
        "submitted": Need.objects.filter(organisation=city, submitted_at__year=year).count(),
        "shared": CityPosition.objects.filter(
            organisation=city, stance=CityPosition.Stance.HAS_NEED, updated_at__year=year
        ).count(),
        "votes": VoteRecord.objects.filter(
            organisation=city,
            created_at__year=year,
            action__in=[VoteRecord.Action.CAST, VoteRecord.Action.CHANGED],
        )
        .values("need")
        .distinct()
        .count(),
        "committed_eur": Commitment.objects.filter(organisation=city, budget_year=year).aggregate(
            total=Sum("amount_eur")
        )["total"]
        or Decimal(0),
    }
