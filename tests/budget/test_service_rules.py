"""The budget's writes refuse what would make the accounts wrong, and nothing half-written
stays: payments against a city or year outside the project, an agreed key revised from a
year on, and costs or plans written by someone who may not."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEntry, Role
from budget import selectors, services
from budget.models import Payment
from money import cents
from needs_registry import services as need_services
from tests.budget.test_views import consortium  # noqa: F401 (fixture)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_payment_outside_the_project_is_refused_with_every_reason_and_nothing_written(
    consortium,  # noqa: F811
):
    outside = OrganisationFactory(slug="paltamo")
    with pytest.raises(ValidationError) as refused:
        services.payment_record(
            actor=consortium["coordinator"],
            budget=consortium["budget"],
            organisation=outside,
            year=2031,
            amount_cents=0,
            paid_on=date(2027, 1, 15),
        )
    assert set(refused.value.message_dict) == {"organisation", "year", "amount"}
    assert not Payment.objects.exists()
    pori = consortium["organisations"]["pori"]
    services.payment_record(
        actor=consortium["coordinator"],
        budget=consortium["budget"],
        organisation=pori,
        year=2027,
        amount_cents=cents(2_500),
        paid_on=date(2027, 1, 15),
    )
    assert selectors.paid_by_city_year(consortium["budget"])[(pori.pk, 2027)] == cents(2_500)


def test_only_the_coordinator_writes_the_budget(consortium):  # noqa: F811
    lead = UserFactory(organisation=consortium["organisations"]["pori"], roles=[Role.ICT_LEAD])
    with pytest.raises(PermissionDenied):
        services.recurring_fee_add(
            actor=lead, budget=consortium["budget"], name="COSS", amount_cents=cents(1)
        )
    assert consortium["budget"].fees.count() == 1


def test_the_agreed_key_applies_from_its_year_and_is_audited(consortium):  # noqa: F811
    budget = consortium["budget"]
    budget.method, budget.yearly_cap_cents = "weighted", None  # no cap evens the shares out
    budget.save(update_fields=["method", "yearly_cap_cents"])
    organisations = consortium["organisations"]
    for slug, weight in {"pori": "40", "porvoo": "15", "seinajoki": "15", "kajaani": "15"}.items():
        services.key_weight_set(
            actor=consortium["coordinator"],
            budget=budget,
            year=2026,
            organisation=organisations[slug],
            weight=Decimal(weight),
        )
    services.key_weight_set(
        actor=consortium["coordinator"],
        budget=budget,
        year=2026,
        organisation=organisations["hameenlinna"],
        weight=Decimal("15"),
    )
    # Revised from 2028: Pori's weight falls to Porvoo's.
    services.key_weight_set(
        actor=consortium["coordinator"],
        budget=budget,
        year=2028,
        organisation=organisations["pori"],
        weight=Decimal("15"),
    )
    for slug in ("porvoo", "seinajoki", "kajaani", "hameenlinna"):
        services.key_weight_set(
            actor=consortium["coordinator"],
            budget=budget,
            year=2028,
            organisation=organisations[slug],
            weight=Decimal("15"),
        )
    overview = selectors.budget_overview(budget)
    by_city = {
        row.organisation.slug: {y.year: y.budget for y in row.years} for row in overview.cities
    }
    assert by_city["pori"][2027] > by_city["porvoo"][2027]
    assert by_city["pori"][2028] == by_city["porvoo"][2028]
    assert AuditEntry.objects.filter(action="budget.key_weight").count() == 10


def test_a_cost_or_plan_is_written_only_by_those_who_may_and_only_on_its_own_need():
    cities = {slug: OrganisationFactory(slug=slug) for slug in ("pori", "porvoo")}
    pori_lead = UserFactory(organisation=cities["pori"], roles=[Role.ICT_LEAD])
    porvoo_lead = UserFactory(organisation=cities["porvoo"], roles=[Role.ICT_LEAD])
    data = {"problem": "p", "desired_outcome": "o", "domain": "ict"}
    first = need_services.need_create(actor=pori_lead, data={"title": "Luvat", **data})
    second = need_services.need_create(actor=pori_lead, data={"title": "Kassa", **data})
    cost = services.need_cost_save(
        actor=pori_lead,
        need=first,
        data={"kind": "development", "payer": "project", "estimated_cents": cents(1_000)},
    )
    with pytest.raises(PermissionDenied):
        services.need_cost_save(
            actor=pori_lead, need=second, data={"estimated_cents": cents(1)}, cost=cost
        )
    cost.refresh_from_db()
    assert (cost.need_id, cost.estimated_cents) == (first.pk, cents(1_000))
    with pytest.raises(PermissionDenied):
        services.procurement_plan_save(
            actor=porvoo_lead, need=first, data={"contract_type": "goods_services"}
        )
    plan = services.procurement_plan_save(
        actor=pori_lead, need=first, data={"contract_type": "goods_services"}
    )
    assert plan.need_id == first.pk
