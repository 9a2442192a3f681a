"""Costs per need: who pays what, each committed city's share, the procurement route
by contract type from the configured thresholds, and the plan on the need page."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry, Role
from budget import selectors, services
from budget.models import ProcurementPlan
from budget.procurement import route_for
from money import cents
from needs_registry import services as need_services
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Sähköinen lupapalvelu",
    "problem": "Luvat paperilla.",
    "desired_outcome": "Luvat verkossa.",
    "domain": "ict",
    "one_off_cost_eur": Decimal("40000"),
    "yearly_cost_eur": Decimal("10000"),
    "contract_years": 4,
}


@pytest.fixture
def world():
    cities = {slug: OrganisationFactory(slug=slug, name_fi=slug.title()) for slug in CITIES}
    leads = {slug: UserFactory(organisation=o, roles=[Role.ICT_LEAD]) for slug, o in cities.items()}
    coordinator = UserFactory(organisation=cities["hameenlinna"], roles=[Role.PROJECT_COORDINATOR])
    need = need_services.need_create(actor=leads["pori"], data=NEED)
    need = need_services.need_transition(actor=leads["pori"], need=need, to_status="submitted")
    return {"cities": cities, "leads": leads, "coordinator": coordinator, "need": need}


CITIES = ["hameenlinna", "pori", "porvoo", "kajaani"]


def commit(world, slug, amount, year=2027):
    need_services.commitment_record(
        actor=world["leads"][slug], need=world["need"], amount_eur=Decimal(amount), budget_year=year
    )


def add_cost(world, kind, payer, estimated, actual=None, actor=None):
    return services.need_cost_save(
        actor=actor or world["coordinator"],
        need=world["need"],
        data={
            "kind": kind,
            "payer": payer,
            "description": "",
            "estimated_cents": cents(estimated),
            "actual_cents": None if actual is None else cents(actual),
        },
    )


def test_project_and_city_costs_and_each_committed_citys_share(world):
    add_cost(world, "development", "project", 40_000, 38_500)
    add_cost(world, "tendering", "cities", 5_000, 4_000)
    add_cost(world, "deployment", "cities", 3_000)
    add_cost(world, "integration", "cities", "1000.01")
    for slug in ("pori", "porvoo", "kajaani"):
        commit(world, slug, 3_000)
    costs = selectors.need_costs(need=world["need"])
    assert costs.project_estimated == cents(40_000)
    assert costs.cities_estimated == cents("9000.01")
    assert costs.cities_actual == cents(4_000)
    by_city = {row.organisation.slug: row for row in costs.cities}
    assert set(by_city) == {"pori", "porvoo", "kajaani"}
    assert "hameenlinna" not in by_city  # no commitment, no share
    # Split in cents: the parts add up to what falls on the cities.
    assert sum(row.estimated for row in costs.cities) == cents("9000.01")
    assert sorted(row.estimated for row in costs.cities) == [300000, 300000, 300001]
    assert sum(row.actual for row in costs.cities) == cents(4_000)
    assert by_city["pori"].committed_eur == Decimal(3000)


def test_shares_follow_the_agreed_percentages(world):
    add_cost(world, "deployment", "cities", 10_000)
    world["need"].cost_split = "agreed"
    world["need"].save()
    need_services.city_position_set(
        actor=world["leads"]["pori"],
        need=world["need"],
        stance="has_need",
        cost_weight=Decimal(70),
    )
    for slug in ("pori", "porvoo", "kajaani"):
        commit(world, slug, 1_000)
    costs = selectors.need_costs(need=world["need"])
    shares = {row.organisation.slug: row.estimated for row in costs.cities}
    # Pori agreed to 70 %; the two others share the rest equally.
    assert shares == {"pori": cents(7_000), "porvoo": cents(1_500), "kajaani": cents(1_500)}


def test_integrations_are_never_project_costs(world):
    with pytest.raises(ValidationError) as error:
        add_cost(world, "integration", "project", 1_000)
    assert "payer" in error.value.message_dict
    assert not world["need"].costs.exists()


def test_who_may_record_costs(world):
    # The submitting city's ICT lead and the coordinator may; another city's lead may not.
    add_cost(world, "development", "project", 1_000, actor=world["leads"]["pori"])
    with pytest.raises(PermissionDenied):
        add_cost(world, "development", "project", 1_000, actor=world["leads"]["porvoo"])
    assert world["need"].costs.count() == 1
    assert AuditEntry.objects.filter(action="budget.need_cost").count() == 1


@pytest.mark.parametrize(
    ("contract_type", "value", "route"),
    [
        ("goods_services", 59_999, "small"),
        ("goods_services", 60_000, "national"),
        ("goods_services", 216_000, "eu"),
        ("construction", 149_999, "small"),
        ("construction", 150_000, "national"),
        ("construction", 5_403_999, "national"),
        ("construction", 5_404_000, "eu"),
        ("social_health", 399_999, "small"),
        ("social_health", 400_000, "national"),
        ("social_health", 750_000, "eu"),
        ("design_contest", 60_000, "national"),
        ("design_contest", 216_000, "eu"),
    ],
)
def test_route_by_contract_type_from_the_thresholds(contract_type, value, route):
    assert route_for(Decimal(value), contract_type).code == route


def test_thresholds_are_configured(settings):
    settings.PROCUREMENT_THRESHOLDS_EUR = {
        **settings.PROCUREMENT_THRESHOLDS_EUR,
        "construction": (200_000, 5_404_000),
    }
    assert route_for(Decimal(150_000), "construction").code == "small"


def test_the_plan_decides_the_route_on_the_need_page(world, client):
    # 40,000 + 4 × 10,000 = 80,000 €: national as goods and services ...
    assert selectors.need_costs(need=world["need"]).route.code == "national"
    services.procurement_plan_save(
        actor=world["leads"]["pori"],
        need=world["need"],
        data={"contract_type": "construction", "notice_by": date(2027, 3, 1)},
    )
    # ... below the national threshold as construction works.
    assert selectors.need_costs(need=world["need"]).route.code == "small"
    client.force_login(world["leads"]["porvoo"])
    page = client.get(world["need"].get_absolute_url()).content.decode()
    assert 'data-plan-route="small"' in page
    assert "1.3.2027" in page
    assert "/procurement/" not in page  # another city's lead may not change it
    client.force_login(world["leads"]["pori"])
    assert (
        f"/budget/needs/{world['need'].pk}/procurement/"
        in client.get(world["need"].get_absolute_url()).content.decode()
    )
    # The edit form's date picker holds the date (an ISO value, in any language),
    # so saving it again keeps it.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    form = client.get(f"/budget/needs/{world['need'].pk}/procurement/").content.decode()
    assert 'type="date" name="notice_by" value="2027-03-01"' in form


def test_a_plan_out_of_order_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationError):
        services.procurement_plan_save(
            actor=world["coordinator"],
            need=world["need"],
            data={"notice_by": date(2027, 3, 1), "contract_by": date(2027, 1, 1)},
        )
    assert not ProcurementPlan.objects.exists()


def test_cost_forms_in_the_browserless_way(world, client):
    client.force_login(world["leads"]["pori"])
    url = f"/budget/needs/{world['need'].pk}/costs/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "integration", "payer": "project", "estimated": "100"})
    assert bad.status_code == 400
    assert "not covered by the project" in bad.content.decode()
    response = client.post(
        url, {"kind": "tendering", "payer": "cities", "estimated": "5000.50", "actual": ""}
    )
    assert response.status_code == 302
    cost = world["need"].costs.get()
    assert cost.estimated_cents == 500050
    assert cost.actual_cents is None
    response = client.post(
        f"/budget/costs/{cost.pk}/",
        {"kind": "tendering", "payer": "cities", "estimated": "5000.50", "actual": "4200"},
    )
    assert response.status_code == 302
    cost.refresh_from_db()
    assert cost.actual_cents == 420000
    page = client.get(world["need"].get_absolute_url()).content.decode()
    assert "€4,200" in page


def need_page_queries(client, need) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(need.get_absolute_url()).status_code == 200
    return len(context)


def test_need_page_queries_do_not_grow_with_costs_and_commitments(world, client):
    client.force_login(world["leads"]["pori"])
    add_cost(world, "development", "project", 1_000)
    commit(world, "pori", 100)
    small = need_page_queries(client, world["need"])
    for n in range(12):
        add_cost(world, "deployment", "cities", 1_000 + n)
    for slug in ("porvoo", "kajaani", "hameenlinna"):
        commit(world, slug, 100)
        commit(world, slug, 100, year=2028)
    services.procurement_plan_save(
        actor=world["coordinator"],
        need=world["need"],
        data={"procuring_organisation": world["cities"]["porvoo"]},
    )
    assert need_page_queries(client, world["need"]) == small
