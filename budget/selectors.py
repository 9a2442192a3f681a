"""Reads of the budget: the plan, every city's computed shares, payments, what if."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

import money
from accounts.models import Organisation
from budget.models import (
    ConsortiumBudget,
    NeedCost,
    Participation,
    Payer,
    Payment,
    ProcurementPlan,
    ReportStatus,
    YearlyReport,
)
from budget.procurement import ContractType, ProcurementRoute, route_for
from budget.shares import (
    OneOffCost,
    Participant,
    Plan,
    Result,
    WhatIf,
    compute,
    what_if,
    year_amounts,
)
from needs_registry.models import Commitment, CostSplit, Need, Status


def budget_current() -> ConsortiumBudget | None:
    """The consortium's budget (the latest, should there ever be several)."""
    return (
        ConsortiumBudget.objects.prefetch_related(
            "year_rows", "participations__organisation", "costs", "fees", "weights"
        )
        .order_by("-starts_on", "-pk")
        .first()
    )


def budget_plan(budget: ConsortiumBudget) -> Plan:
    keys: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for weight in budget.weights.all():
        keys[weight.year][str(weight.organisation_id)] = weight.weight
    return Plan(
        starts_on=budget.starts_on,
        ends_on=budget.ends_on,
        total=budget.total_cents,
        external_share=budget.external_share,
        method=budget.method,
        yearly_cap=budget.yearly_cap_cents,
        project_cap=budget.project_cap_cents,
        participants=[
            Participant(
                key=str(p.organisation_id),
                joined_on=p.joined_on,
                left_on=p.left_on,
                yearly_cap=p.yearly_cap_cents,
                project_cap=p.project_cap_cents,
                one_off_cap=p.one_off_cap_cents,
            )
            for p in budget.participations.all()
        ],
        one_off_costs=[
            OneOffCost(c.name, c.amount_cents, c.incurred_on) for c in budget.costs.all()
        ],
        keys=dict(keys),
        year_amounts={row.year: row.own_share_cents for row in budget.year_rows.all()},
    )


@dataclasses.dataclass
class CityYear:
    year: int
    months: int
    budget: int
    one_off: int
    share: int
    fees: int
    paid: int

    @property
    def balance(self) -> int:
        return self.share - self.paid


@dataclasses.dataclass
class CityRow:
    organisation: Organisation
    years: list[CityYear]

    @property
    def share(self) -> int:
        return sum(y.share for y in self.years)

    @property
    def paid(self) -> int:
        return sum(y.paid for y in self.years)

    @property
    def fees(self) -> int:
        return sum(y.fees for y in self.years)

    @property
    def balance(self) -> int:
        return self.share - self.paid

    def year(self, year: int) -> CityYear | None:
        return next((y for y in self.years if y.year == year), None)


@dataclasses.dataclass
class Overview:
    budget: ConsortiumBudget
    result: Result
    cities: list[CityRow]

    @property
    def own_share(self) -> int:
        return self.result.plan.own_share

    @property
    def external(self) -> int:
        return self.budget.total_cents - self.own_share

    @property
    def years(self) -> list[YearAmount]:
        """The own share each budget year carries: named by the coordinator, or
        spread over the years by project months."""
        plan = self.result.plan
        return [
            YearAmount(year, amount, year in plan.year_amounts)
            for year, amount in year_amounts(plan).items()
        ]

    @property
    def allocated(self) -> int:
        return sum(year.amount for year in self.years)

    @property
    def unallocated(self) -> int:
        """The own share no budget year carries (negative when the years carry more):
        the years' named amounts no longer add up to the budget's total."""
        return self.own_share - self.allocated


@dataclasses.dataclass
class YearAmount:
    year: int
    amount: int  # cents
    named: bool


def paid_by_city_year(budget: ConsortiumBudget) -> dict[tuple[int, int], int]:
    paid: dict[tuple[int, int], int] = defaultdict(int)
    for organisation_id, year, amount in budget.payments.values_list(
        "organisation_id", "year", "amount_cents"
    ):
        paid[(organisation_id, year)] += amount
    return paid


def paid_over_yearly_cap(budget: ConsortiumBudget) -> list[tuple[Organisation, int, int]]:
    """The cities and years whose payments already exceed the budget's yearly cap per
    city (a cap lowered after they paid): (city, year, paid cents), by name and year."""
    if not budget.yearly_cap_cents:
        return []
    over = {
        key: paid
        for key, paid in paid_by_city_year(budget).items()
        if paid > budget.yearly_cap_cents
    }
    cities = Organisation.objects.in_bulk({organisation_id for organisation_id, _year in over})
    return sorted(
        ((cities[organisation_id], year, paid) for (organisation_id, year), paid in over.items()),
        key=lambda row: (row[0].name, row[1]),
    )


def budget_overview(budget: ConsortiumBudget) -> Overview:
    """Every participant's computed share, fees outside the budget and payments, by year."""
    result = compute(budget_plan(budget))
    paid = paid_by_city_year(budget)
    fee_total = sum(fee.amount_cents for fee in budget.fees.all())
    cities = []
    for participation in budget.participations.all():
        key = str(participation.organisation_id)
        years = []
        for year in result.years:
            share = year.shares[key]
            years.append(
                CityYear(
                    year=year.year,
                    months=share.months,
                    budget=share.budget,
                    one_off=share.one_off,
                    share=share.total,
                    fees=fee_total if share.months else 0,
                    paid=paid.get((participation.organisation_id, year.year), 0),
                )
            )
        cities.append(CityRow(participation.organisation, years))
    return Overview(budget, result, cities)


def budget_what_if(budget: ConsortiumBudget) -> list[WhatIf]:
    """A city's share with from a few to many more participants than today."""
    count = budget.participations.count()
    low, high = max(count - 5, 1), count + 8
    return what_if(budget_plan(budget), range(low, high + 1))


def payment_list(budget: ConsortiumBudget) -> QuerySet[Payment]:
    return budget.payments.select_related("organisation").order_by("-paid_on", "-pk")


def participation_list(budget: ConsortiumBudget) -> list[Participation]:
    return list(budget.participations.select_related("organisation").order_by("joined_on", "pk"))


def participation_get(budget: ConsortiumBudget, slug: str) -> Participation | None:
    return (
        budget.participations.select_related("organisation").filter(organisation__slug=slug).first()
    )


def city_organisations() -> QuerySet[Organisation]:
    """The municipalities that may take part in the budget."""
    return Organisation.objects.filter(kind=Organisation.Kind.CITY).order_by("name_fi")


def participant_organisations(budget: ConsortiumBudget) -> QuerySet[Organisation]:
    return Organisation.objects.filter(participations__budget=budget).order_by("name_fi")


# ------------------------------------------------------------- costs per need


@dataclasses.dataclass
class CityCostShare:
    """A committed city's part of what falls on the cities, and what it committed."""

    organisation: Organisation
    committed_eur: Decimal
    estimated: int  # cents
    actual: int | None


@dataclasses.dataclass
class NeedCosts:
    need: Need
    costs: list[NeedCost]
    plan: ProcurementPlan | None
    route: ProcurementRoute
    cities: list[CityCostShare]

    def _sum(self, payer: str | None, attribute: str) -> int:
        return sum(
            getattr(cost, attribute) or 0
            for cost in self.costs
            if payer is None or cost.payer == payer
        )

    @property
    def project_estimated(self) -> int:
        return self._sum(Payer.PROJECT, "estimated_cents")

    @property
    def cities_estimated(self) -> int:
        return self._sum(Payer.CITIES, "estimated_cents")

    @property
    def project_actual(self) -> int:
        return self._sum(Payer.PROJECT, "actual_cents")

    @property
    def cities_actual(self) -> int:
        return self._sum(Payer.CITIES, "actual_cents")

    @property
    def estimated(self) -> int:
        return self._sum(None, "estimated_cents")

    @property
    def actual(self) -> int:
        return self._sum(None, "actual_cents")

    @property
    def has_actual(self) -> bool:
        return any(cost.actual_cents is not None for cost in self.costs)

    @property
    def contract_value_eur(self) -> Decimal:
        return contract_value_eur(self.need, self.plan)


def contract_value_eur(need: Need, plan: ProcurementPlan | None) -> Decimal:
    """The plan's estimated value, or the need's estimate over its contract term."""
    if plan is not None and plan.estimated_value_cents is not None:
        return money.euros(plan.estimated_value_cents)
    return need.total_cost_eur


def need_route(need: Need, plan: ProcurementPlan | None) -> ProcurementRoute:
    contract_type = plan.contract_type if plan else ContractType.GOODS_SERVICES
    return route_for(contract_value_eur(need, plan), contract_type)


def _city_weights(need: Need, organisations: list[Organisation]) -> list[Decimal]:
    """The need's cost split among the committed cities: equal, by population, or by
    the agreed percentages of their positions (the rest shared equally)."""
    if need.cost_split == CostSplit.POPULATION:
        weights = [Decimal(o.population or 0) for o in organisations]
        return weights if sum(weights) else [Decimal(1)] * len(organisations)
    if need.cost_split == CostSplit.AGREED:
        agreed = {p.organisation_id: p.cost_weight for p in need.positions.all()}
        fixed = [agreed.get(o.pk) for o in organisations]
        rest = max(Decimal(100) - sum((w for w in fixed if w is not None), Decimal(0)), Decimal(0))
        open_count = sum(1 for w in fixed if w is None) or 1
        return [w if w is not None else rest / open_count for w in fixed]
    return [Decimal(1)] * len(organisations)


def need_costs(*, need: Need) -> NeedCosts:
    """A need's costs, who pays them, each committed city's share, its procurement plan.

    The caller has checked that the viewer may read the need. What falls on the
    cities is split among the cities that have committed money to the need, by
    the need's cost split, in cents (the parts add up to the total).
    """
    # Read from what the caller prefetched (``_NEED_COSTS_PREFETCH``), else queried.
    costs = sorted(need.costs.all(), key=lambda cost: cost.pk)
    if Need.procurement_plan.is_cached(need):
        plan = getattr(need, "procurement_plan", None)
    else:
        plan = (
            ProcurementPlan.objects.select_related("procuring_organisation")
            .filter(need=need)
            .first()
        )
    committed: dict[int, Decimal] = defaultdict(Decimal)
    organisations: dict[int, Organisation] = {}
    for commitment in sorted(
        need.commitments.select_related("organisation")
        if not _prefetched(need, "commitments")
        else need.commitments.all(),
        key=lambda c: (c.organisation.name_fi, c.pk),
    ):
        committed[commitment.organisation_id] += commitment.amount_eur
        organisations[commitment.organisation_id] = commitment.organisation
    cities = list(organisations.values())
    weights = _city_weights(need, cities) if cities else []
    result = NeedCosts(need=need, costs=costs, plan=plan, route=need_route(need, plan), cities=[])
    estimated = money.apportion(result.cities_estimated, weights)
    actual = money.apportion(result.cities_actual, weights)
    result.cities = [
        CityCostShare(
            organisation=organisation,
            committed_eur=committed[organisation.pk],
            estimated=estimated[i],
            actual=actual[i] if result.has_actual else None,
        )
        for i, organisation in enumerate(cities)
    ]
    return result


def _prefetched(instance: Need, relation: str) -> bool:
    return relation in getattr(instance, "_prefetched_objects_cache", {})


# What ``need_costs`` reads of a commitment's need, fetched for a whole list at once.
_NEED_COSTS_PREFETCH = (
    "need__costs",
    "need__positions",
    Prefetch("need__commitments", queryset=Commitment.objects.select_related("organisation")),
)


def need_cost_get(*, pk: int) -> NeedCost:
    return get_object_or_404(NeedCost.objects.select_related("need"), pk=pk)


# ------------------------------------------------------------- yearly reports


@dataclasses.dataclass
class NeedAmount:
    """An amount (cents) a city bears for a need, named by the need's id and title."""

    need_id: int
    title: str
    cents: int

    def as_data(self) -> dict[str, object]:
        return {"need": self.need_id, "title": self.title, "cents": self.cents}


@dataclasses.dataclass
class ReportFigures:
    """A city's figures for a budget year, as the platform computes them (cents)."""

    share: int
    paid: int
    fees: int
    need_costs: list[NeedAmount]
    commitments: list[NeedAmount]

    @property
    def balance(self) -> int:
        return self.share - self.paid

    @property
    def need_costs_total(self) -> int:
        return sum(line.cents for line in self.need_costs)

    @property
    def commitments_total(self) -> int:
        return sum(line.cents for line in self.commitments)

    def as_data(self) -> dict[str, object]:
        """The figures as stored in an approved report's snapshot."""
        return {
            "share": self.share,
            "paid": self.paid,
            "fees": self.fees,
            "need_costs": [line.as_data() for line in self.need_costs],
            "commitments": [line.as_data() for line in self.commitments],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReportFigures:
        def lines(key: str) -> list[NeedAmount]:
            return [NeedAmount(row["need"], row["title"], row["cents"]) for row in data[key]]

        return cls(
            share=data["share"],
            paid=data["paid"],
            fees=data["fees"],
            need_costs=lines("need_costs"),
            commitments=lines("commitments"),
        )


def _city_year(overview: Overview, organisation: Organisation, year: int) -> CityYear | None:
    row = next((c for c in overview.cities if c.organisation.pk == organisation.pk), None)
    return row.year(year) if row is not None else None


def report_figures(
    budget: ConsortiumBudget,
    organisation: Organisation,
    year: int,
    *,
    overview: Overview | None = None,
) -> ReportFigures:
    """The city's computed share, payments and fees for ``year``, its share of the
    costs of each need it committed money to that year (the actual costs once
    recorded, else the estimate) and those commitments. Drafts are left out: the
    report is read by every member, a draft only by its own city."""
    overview = overview or budget_overview(budget)
    cell = _city_year(overview, organisation, year)
    commitments = list(
        Commitment.objects.filter(organisation=organisation, budget_year=year)
        .exclude(need__status=Status.DRAFT)
        .select_related(
            "need", "need__procurement_plan", "need__procurement_plan__procuring_organisation"
        )
        .prefetch_related(*_NEED_COSTS_PREFETCH)
        .order_by("need__title", "need_id")
    )
    need_costs_lines = []
    for commitment in commitments:
        costs = need_costs(need=commitment.need)
        mine = next((c for c in costs.cities if c.organisation.pk == organisation.pk), None)
        if mine is not None and costs.costs:
            cents = mine.actual if mine.actual is not None else mine.estimated
            need_costs_lines.append(NeedAmount(commitment.need_id, commitment.need.title, cents))
    return ReportFigures(
        share=cell.share if cell else 0,
        paid=cell.paid if cell else 0,
        fees=cell.fees if cell else 0,
        need_costs=need_costs_lines,
        commitments=[
            NeedAmount(c.need_id, c.need.title, money.cents(c.amount_eur)) for c in commitments
        ],
    )


def report_get(
    budget: ConsortiumBudget, organisation: Organisation, year: int
) -> YearlyReport | None:
    return (
        YearlyReport.objects.select_related("prepared_by", "approved_by")
        .filter(budget=budget, organisation=organisation, year=year)
        .first()
    )


def report_figures_for(
    report: YearlyReport | None,
    budget: ConsortiumBudget,
    organisation: Organisation,
    year: int,
    *,
    overview: Overview | None = None,
) -> ReportFigures:
    """An approved report's frozen figures; otherwise today's."""
    if report is not None and report.status == ReportStatus.APPROVED and report.snapshot:
        return ReportFigures.from_data(report.snapshot)
    return report_figures(budget, organisation, year, overview=overview)


def report_city_get(budget: ConsortiumBudget, slug: str) -> Organisation:
    """A city taking part in the budget, by its slug (404 otherwise)."""
    return get_object_or_404(participant_organisations(budget), slug=slug)


@dataclasses.dataclass
class ReportRow:
    organisation: Organisation
    figures: ReportFigures
    report: YearlyReport | None

    @property
    def status(self) -> str:
        return self.report.status if self.report else ""


def report_summary(budget: ConsortiumBudget, year: int) -> list[ReportRow]:
    """Every participating city's share, payments and balance for ``year`` beside what
    its report says it saved, and the report's status (approved ones as frozen)."""
    overview = budget_overview(budget)
    reports = {
        r.organisation_id: r
        for r in YearlyReport.objects.filter(budget=budget, year=year).select_related(
            "prepared_by", "approved_by"
        )
    }
    rows = []
    for city in overview.cities:
        report = reports.get(city.organisation.pk)
        if report is not None and report.status == ReportStatus.APPROVED and report.snapshot:
            figures = ReportFigures.from_data(report.snapshot)
        else:
            cell = city.year(year)
            figures = ReportFigures(
                share=cell.share if cell else 0,
                paid=cell.paid if cell else 0,
                fees=cell.fees if cell else 0,
                need_costs=[],
                commitments=[],
            )
        rows.append(ReportRow(city.organisation, figures, report))
    return sorted(rows, key=lambda row: row.organisation.name_fi)
