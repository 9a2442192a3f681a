"""Each city's share of the consortium's own funding, year by year.

Pure computation on plain values, so the founding decisions' figures can be
checked without a database; ``budget.selectors`` feeds it from the models.

The rules, as the municipalities' decisions set them:

* The municipalities' own share is the total budget less the external funding
  (Business Finland's 50 %). It is spread over the project's calendar months,
  so each calendar year carries its months' part, unless the budget names a
  year's amount itself.
* A city takes part in a month when it is a participant on the month's first
  day (joining on 1 August counts August; leaving on 31 July counts July).
* A year's amount is split among the cities taking part that year: by months
  of participation, equally, or by an agreed weighted key (revised yearly;
  the key of the latest revision up to that year applies, scaled by months).
* A city pays at most its yearly cap for the months it takes part
  (10,000 € a year → 4,166.67 € for August–December), and over the whole
  project at most its project cap. What a capped city cannot take is split
  among the others; what nobody can take is the year's shortfall.
* A one-off shared cost (the funding application) is split equally among the
  cities taking part in the year it falls on, each at most its one-off cap,
  and counts towards the yearly cap in full-year terms.
* Every split is made in cents by largest remainder: the shares of a total
  always add up to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from money import apportion, apportion_capped


class Method:
    PRORATED = "prorated"
    EQUAL = "equal"
    WEIGHTED = "weighted"


@dataclasses.dataclass(frozen=True)
class Participant:
    key: str
    joined_on: date
    left_on: date | None = None
    yearly_cap: int | None = None  # cents; None: the budget's cap
    project_cap: int | None = None
    one_off_cap: int | None = None  # cents of each one-off cost


@dataclasses.dataclass(frozen=True)
class OneOffCost:
    name: str
    amount: int
    incurred_on: date


@dataclasses.dataclass(frozen=True)
class Plan:
    starts_on: date
    ends_on: date
    total: int  # cents
    external_share: Decimal  # 0.5 for 50 %
    participants: Sequence[Participant]
    method: str = Method.PRORATED
    yearly_cap: int | None = None
    project_cap: int | None = None
    one_off_costs: Sequence[OneOffCost] = ()
    # {year the revision takes effect: {participant key: weight}}
    keys: Mapping[int, Mapping[str, Decimal]] = dataclasses.field(default_factory=dict)
    year_amounts: Mapping[int, int] = dataclasses.field(default_factory=dict)

    @property
    def own_share(self) -> int:
        return self.total - apportion(self.total, [self.external_share, 1 - self.external_share])[0]

    @property
    def years(self) -> list[int]:
        return list(range(self.starts_on.year, self.ends_on.year + 1))


@dataclasses.dataclass
class Share:
    months: int = 0
    weight: Decimal = Decimal(0)
    budget: int = 0
    one_off: int = 0
    cap: int | None = None

    @property
    def total(self) -> int:
        return self.budget + self.one_off


@dataclasses.dataclass
class Year:
    year: int
    amount: int
    shares: dict[str, Share]
    one_off_amount: int = 0
    shortfall: int = 0

    @property
    def paid_by_cities(self) -> int:
        return sum(share.total for share in self.shares.values())


@dataclasses.dataclass
class Result:
    plan: Plan
    years: list[Year]

    def share(self, key: str, year: int) -> Share:
        return next(y for y in self.years if y.year == year).shares[key]

    def project_total(self, key: str) -> int:
        return sum(y.shares[key].total for y in self.years)

    def project_budget_total(self, key: str) -> int:
        return sum(y.shares[key].budget for y in self.years)

    @property
    def shortfall(self) -> int:
        return sum(y.shortfall for y in self.years)


def months_in_year(start: date, end: date | None, year: int) -> int:
    """Months of ``year`` whose first day lies in [start, end]."""
    return sum(
        1
        for month in range(1, 13)
        if start <= date(year, month, 1) and (end is None or date(year, month, 1) <= end)
    )


def _participant_months(plan: Plan, participant: Participant, year: int) -> int:
    start = max(plan.starts_on, participant.joined_on)
    end = plan.ends_on if participant.left_on is None else min(plan.ends_on, participant.left_on)
    if end < start:
        return 0
    return months_in_year(start, end, year)


def _key_for(plan: Plan, year: int) -> Mapping[str, Decimal]:
    revisions = [y for y in plan.keys if y <= year]
    return plan.keys[max(revisions)] if revisions else {}


def year_amounts(plan: Plan) -> dict[int, int]:
    """The own share carried by each calendar year: by project months unless named."""
    named = {year: plan.year_amounts[year] for year in plan.years if year in plan.year_amounts}
    rest_years = [year for year in plan.years if year not in named]
    rest = max(plan.own_share - sum(named.values()), 0)
    months = [months_in_year(plan.starts_on, plan.ends_on, year) for year in rest_years]
    spread = dict(zip(rest_years, apportion(rest, months), strict=True))
    return {year: named.get(year, spread.get(year, 0)) for year in plan.years}


def _prorated_cap(cap: int, months: int) -> int:
    return apportion(cap, [months, 12 - months])[0] if months < 12 else cap


def compute(plan: Plan) -> Result:
    """Every participant's share for every year of the plan."""
    amounts = year_amounts(plan)
    budget_so_far = dict.fromkeys((p.key for p in plan.participants), 0)
    years = []
    for year in plan.years:
        participants = list(plan.participants)
        shares = {p.key: Share(months=_participant_months(plan, p, year)) for p in participants}
        key = _key_for(plan, year)
        weights: list[Decimal] = []
        caps: list[int | None] = []
        for p in participants:
            months = shares[p.key].months
            if plan.method == Method.EQUAL:
                weight = Decimal(1 if months else 0)
            elif plan.method == Method.WEIGHTED:
                weight = Decimal(key.get(p.key, 0)) * months
            else:
                weight = Decimal(months)
            shares[p.key].weight = weight
            weights.append(weight)
            cap = None
            yearly = p.yearly_cap if p.yearly_cap is not None else plan.yearly_cap
            if yearly is not None:
                cap = _prorated_cap(yearly, months)
            project = p.project_cap if p.project_cap is not None else plan.project_cap
            if project is not None:
                room = max(project - budget_so_far[p.key], 0)
                cap = room if cap is None else min(cap, room)
            caps.append(cap)
            shares[p.key].cap = cap
        parts, shortfall = apportion_capped(amounts[year], weights, caps)
        for p, part in zip(participants, parts, strict=True):
            shares[p.key].budget = part
            budget_so_far[p.key] += part

        one_off_amount = 0
        for cost in sorted(plan.one_off_costs, key=lambda c: c.incurred_on):
            if cost.incurred_on.year != year:
                continue
            one_off_amount += cost.amount
            takers = [p for p in participants if shares[p.key].months]
            cost_caps: list[int | None] = []
            for p in takers:
                cost_cap = p.one_off_cap
                yearly = p.yearly_cap if p.yearly_cap is not None else plan.yearly_cap
                if yearly is not None:
                    room = max(yearly - shares[p.key].total, 0)
                    cost_cap = room if cost_cap is None else min(cost_cap, room)
                cost_caps.append(cost_cap)
            parts, cost_shortfall = apportion_capped(cost.amount, [1] * len(takers), cost_caps)
            for p, part in zip(takers, parts, strict=True):
                shares[p.key].one_off += part
            shortfall += cost_shortfall
        years.append(Year(year, amounts[year], shares, one_off_amount, shortfall))
    return Result(plan, years)


@dataclasses.dataclass
class WhatIf:
    participants: int
    full_year_share: int  # cents, a city taking part all year, in the first full year
    project_share: int  # cents, a city taking part from the start to the end
    shortfall: int


def what_if(plan: Plan, counts: Iterable[int]) -> list[WhatIf]:
    """A city's share as the number of participants changes: ``n`` cities all taking
    part from the project's start, with the budget's caps and one-off costs."""
    rows = []
    for n in counts:
        members = [Participant(key=f"city-{i}", joined_on=plan.starts_on) for i in range(n)]
        trial = dataclasses.replace(plan, participants=members, method=Method.PRORATED, keys={})
        result = compute(trial)
        full = next(
            (y for y in result.years if months_in_year(plan.starts_on, plan.ends_on, y.year) == 12),
            result.years[0],
        )
        rows.append(
            WhatIf(
                participants=n,
                full_year_share=full.shares["city-0"].total if n else 0,
                project_share=result.project_total("city-0") if n else 0,
                shortfall=result.shortfall,
            )
        )
    return rows
