"""The budget in the open-data API: the plan, every city's computed share per
year and what each city has paid. Only a budget marked public is shown."""

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

import money
from budget import selectors
from budget.models import ConsortiumBudget
from budget.permissions import can_read_budget_open_data
from needs_registry.api import Message, OrganisationOut, member_or_public

router = Router(tags=["budget"])


class CostOut(Schema):
    name: str
    amount_eur: Decimal = Field(description="Euros, exact to the cent.")
    incurred_on: date


class FeeOut(Schema):
    name: str
    amount_eur_per_year: Decimal = Field(
        description="Paid by each city yearly, outside the budget."
    )


class BudgetYearOut(Schema):
    year: int
    own_share_eur: Decimal = Field(description="The municipalities' own share this year.")
    one_off_costs_eur: Decimal
    shortfall_eur: Decimal = Field(description="What the caps leave uncovered this year.")


class BudgetOut(Schema):
    name: str
    starts_on: date
    ends_on: date
    total_eur: Decimal
    external_share: Decimal = Field(description="0.5 means half of the total is external.")
    funder: str
    own_share_eur: Decimal
    split_method: str = Field(description="prorated (by months), equal or weighted (by key).")
    yearly_cap_eur: Decimal | None = Field(description="Most a city pays in a year.")
    one_off_costs: list[CostOut]
    fees_outside_budget: list[FeeOut]
    years: list[BudgetYearOut]


class ShareOut(Schema):
    city: OrganisationOut
    year: int
    months: int = Field(description="Months of the year the city takes part.")
    share_eur: Decimal = Field(description="The city's computed cost share, cents exact.")
    one_off_eur: Decimal = Field(description="Of which one-off costs (the application).")
    fees_outside_budget_eur: Decimal
    paid_eur: Decimal = Field(description="Payments recorded for this year.")


def _public_budget() -> ConsortiumBudget:
    budget = selectors.budget_current()
    if budget is None or not can_read_budget_open_data(budget):
        raise Http404
    return budget


@router.get("/budget", response={200: BudgetOut, 401: Message, 404: Message}, auth=member_or_public)
def get_budget(request: HttpRequest):
    """The consortium's budget: period, total, external funding, caps and costs."""
    budget = _public_budget()
    overview = selectors.budget_overview(budget)
    return {
        "name": budget.name,
        "starts_on": budget.starts_on,
        "ends_on": budget.ends_on,
        "total_eur": money.euros(budget.total_cents),
        "external_share": budget.external_share,
        "funder": budget.funder,
        "own_share_eur": money.euros(overview.own_share),
        "split_method": budget.method,
        "yearly_cap_eur": None
        if budget.yearly_cap_cents is None
        else money.euros(budget.yearly_cap_cents),
        "one_off_costs": [
            {
                "name": c.name,
                "amount_eur": money.euros(c.amount_cents),
                "incurred_on": c.incurred_on,
            }
            for c in budget.costs.all()
        ],
        "fees_outside_budget": [
            {"name": f.name, "amount_eur_per_year": money.euros(f.amount_cents)}
            for f in budget.fees.all()
        ],
        "years": [
            {
                "year": y.year,
                "own_share_eur": money.euros(y.amount),
                "one_off_costs_eur": money.euros(y.one_off_amount),
                "shortfall_eur": money.euros(y.shortfall),
            }
            for y in overview.result.years
        ],
    }


@router.get(
    "/budget/shares",
    response={200: list[ShareOut], 401: Message, 404: Message},
    auth=member_or_public,
)
def list_shares(request: HttpRequest, year: int | None = None):
    """Each participating city's computed cost share and payments, per budget year."""
    budget = _public_budget()
    rows = []
    for city in selectors.budget_overview(budget).cities:
        for cell in city.years:
            if year is not None and cell.year != year:
                continue
            rows.append(
                {
                    "city": city.organisation,
                    "year": cell.year,
                    "months": cell.months,
                    "share_eur": money.euros(cell.share),
                    "one_off_eur": money.euros(cell.one_off),
                    "fees_outside_budget_eur": money.euros(cell.fees),
                    "paid_eur": money.euros(cell.paid),
                }
            )
    return rows
