"""The project coordinator sets the budget up on the platform: the budget itself, the
participating cities with their dates and caps, shared one-off costs and fees. A
refused form keeps what was typed and saves nothing; nobody else may change it."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.models import AuditEntry, Organisation, Role
from budget import selectors as budget_selectors
from budget.models import ConsortiumBudget, Participation, RecurringFee, SharedCost
from money import cents
from tests.budget.test_views import consortium  # noqa: F401 (fixture)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/budget/settings/"


def budget_fields(**changes):
    return {
        "part": "budget",
        "budget-name": "Avoimet kaupungit 2026–2029",
        "budget-starts_on": "2026-08-01",
        "budget-ends_on": "2029-07-31",
        "budget-total": "520 000",
        "budget-external_percent": "50",
        "budget-funder": "Business Finland",
        "budget-method": "prorated",
        "budget-yearly_cap": "10 000",
        "budget-project_cap": "",
        "budget-is_public": "on",
        **changes,
    }


def test_a_coordinator_records_the_budget_from_nothing(client):
    hameenlinna = OrganisationFactory(slug="hameenlinna")
    client.force_login(UserFactory(organisation=hameenlinna, roles=[Role.PROJECT_COORDINATOR]))
    page = client.get("/budget/").content.decode()
    assert 'href="/budget/settings/"' in page  # the empty budget page leads here
    assert client.get(URL).status_code == 200
    response = client.post(URL, budget_fields())
    assert response.status_code == 302
    budget = ConsortiumBudget.objects.get()
    assert (budget.total_cents, budget.external_share) == (cents(520_000), Decimal("0.5"))
    assert budget.yearly_cap_cents == cents(10_000) and budget.project_cap_cents is None
    assert AuditEntry.objects.filter(action="budget.create").exists()


def test_the_coordinator_changes_the_budget_and_the_log_keeps_what_changed(
    client,
    consortium,  # noqa: F811
):
    client.force_login(consortium["coordinator"])
    page = client.get(URL).content.decode()
    assert 'value="Avoimet kaupungit"' in page  # today's figures, to change
    response = client.post(URL, budget_fields(**{"budget-total": "520,000.00"}))
    assert response.status_code == 302
    budget = ConsortiumBudget.objects.get()
    assert budget.total_cents == cents(520_000)
    entry = AuditEntry.objects.get(action="budget.update")
    assert entry.data["total_cents"] == [str(cents(300_000)), str(cents(520_000))]
    # The overview computes the shares from the new total.
    assert "€520,000" in client.get("/budget/").content.decode()


def test_a_refused_budget_keeps_what_was_typed_and_saves_nothing(
    client,
    consortium,  # noqa: F811
):
    client.force_login(consortium["coordinator"])
    response = client.post(
        URL,
        budget_fields(**{"budget-ends_on": "2025-12-31", "budget-funder": "Business Finland X"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The project cannot end before it starts." in page
    assert 'value="Business Finland X"' in page
    budget = ConsortiumBudget.objects.get()
    assert (budget.ends_on, budget.funder) == (date(2029, 7, 31), "")
    assert not AuditEntry.objects.filter(action="budget.update").exists()


def test_a_city_joins_and_another_leaves(client, consortium):  # noqa: F811
    client.force_login(consortium["coordinator"])
    paimio = OrganisationFactory(slug="paimio", name_fi="Paimio", kind=Organisation.Kind.CITY)
    response = client.post(
        URL,
        {
            "part": "participation",
            "participation-organisation": paimio.pk,
            "participation-joined_on": "2027-01-01",
            "participation-yearly_cap": "8 000",
        },
    )
    assert response.status_code == 302
    joined = Participation.objects.get(organisation=paimio)
    assert (joined.joined_on, joined.yearly_cap_cents) == (date(2027, 1, 1), cents(8_000))
    pori = consortium["organisations"]["pori"]
    client.post(
        URL,
        {
            "part": "participation",
            "participation-organisation": pori.pk,
            "participation-joined_on": "2026-08-01",
            "participation-left_on": "2027-12-31",
        },
    )
    assert Participation.objects.get(organisation=pori).left_on == date(2027, 12, 31)
    page = client.get(URL).content.decode()
    assert "Paimio" in page and "31.12.2027" in page
    # Paimio has a share from 2027 on, none in 2026.
    overview = client.get("/budget/").content.decode()
    assert "Paimio" in overview


def test_a_city_cannot_leave_before_it_joins(client, consortium):  # noqa: F811
    client.force_login(consortium["coordinator"])
    pori = consortium["organisations"]["pori"]
    response = client.post(
        URL,
        {
            "part": "participation",
            "participation-organisation": pori.pk,
            "participation-joined_on": "2026-08-01",
            "participation-left_on": "2026-07-01",
        },
    )
    assert response.status_code == 400
    assert "A city cannot leave before it joins." in response.content.decode()
    assert Participation.objects.get(organisation=pori).left_on is None


def test_shared_costs_and_fees_are_added(client, consortium):  # noqa: F811
    client.force_login(consortium["coordinator"])
    client.post(
        URL,
        {
            "part": "cost",
            "cost-name": "Kilpailutuksen valmistelu",
            "cost-amount": "2 400",
            "cost-incurred_on": "2027-02-01",
        },
    )
    client.post(URL, {"part": "fee", "fee-name": "Jäsenmaksu", "fee-amount": "150"})
    assert SharedCost.objects.filter(name="Kilpailutuksen valmistelu").get().amount_cents == (
        cents(2_400)
    )
    assert RecurringFee.objects.get(name="Jäsenmaksu").amount_cents == cents(150)
    page = client.get("/budget/").content.decode()
    assert "Kilpailutuksen valmistelu" in page and "Jäsenmaksu" in page


@pytest.mark.parametrize("role", [None, Role.ICT_LEAD, Role.STEERING_GROUP])
def test_only_the_coordinator_sets_the_budget_up(client, consortium, role):  # noqa: F811
    member = UserFactory(
        organisation=consortium["organisations"]["pori"], roles=[role] if role else []
    )
    client.force_login(member)
    assert 'href="/budget/settings/"' not in client.get("/budget/").content.decode()
    assert client.get(URL).status_code == 403
    assert client.post(URL, budget_fields(**{"budget-total": "1"})).status_code == 403
    assert ConsortiumBudget.objects.get().total_cents == cents(300_000)
    client.force_login(consortium["coordinator"])
    assert 'href="/budget/settings/"' in client.get("/budget/").content.decode()


def test_changing_one_of_a_citys_figures_keeps_the_others(client, consortium):  # noqa: F811
    """The form opens with the city's dates and caps, so that setting a leave date
    does not clear its caps; the date pickers hold ISO dates in any language."""
    client.force_login(consortium["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    page = client.get(f"{URL}?city=pori").content.decode()
    assert 'href="?city=pori#participation-form-heading"' in page
    assert 'name="participation-joined_on" value="2026-08-01"' in page
    assert 'name="budget-starts_on" value="2026-08-01"' in page
    assert 'name="participation-one_off_cap" value="1000,00"' in page


def test_a_one_off_cost_outside_the_projects_years_is_refused(client, consortium):  # noqa: F811
    client.force_login(consortium["coordinator"])
    response = client.post(
        URL,
        {
            "part": "cost",
            "cost-name": "Saavutettavuusauditointi",
            "cost-amount": "12 500,50",
            "cost-incurred_on": "2031-03-01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "shared in one of the project&#x27;s budget years, 2026–2029" in page
    assert 'value="Saavutettavuusauditointi"' in page
    assert not SharedCost.objects.filter(name="Saavutettavuusauditointi").exists()


def test_a_new_total_with_years_named_is_flagged_until_the_years_are_corrected(
    client,
    consortium,  # noqa: F811
):
    """2026 carries a named own share; when the total grows the years carry less than
    the own share, and both pages say how much falls on nobody until the coordinator
    names the year again or lets it follow its months."""
    client.force_login(consortium["coordinator"])
    assert "data-unallocated" not in client.get("/budget/").content.decode()
    for year in (2027, 2028, 2029):
        client.post(URL, {"part": "year", "year-year": year, "year-amount": "40,000.00"})
    page = client.get("/budget/").content.decode()
    assert "data-unallocated" in page
    assert "falls on no year and no city" in page
    overview = budget_selectors.budget_overview(ConsortiumBudget.objects.get())
    assert overview.unallocated == overview.own_share - overview.allocated > 0
    for year in (2027, 2028, 2029):  # back to months: every cent carried again
        response = client.post(URL, {"part": "year", "year-year": year, "year-amount": ""})
        assert response.status_code == 302
    assert "data-unallocated" not in client.get(URL).content.decode()
    overview = budget_selectors.budget_overview(ConsortiumBudget.objects.get())
    assert overview.allocated == overview.own_share
    assert sum(city.share for city in overview.cities) + overview.result.shortfall == (
        overview.own_share + sum(c.amount_cents for c in SharedCost.objects.all())
    )


def test_lowering_the_yearly_cap_below_what_a_city_paid_warns_and_keeps_the_payment(
    client,
    consortium,  # noqa: F811
):
    from budget import services as budget_services

    pori = consortium["organisations"]["pori"]
    budget_services.payment_record(
        actor=consortium["coordinator"],
        budget=consortium["budget"],
        organisation=pori,
        year=2027,
        amount_cents=cents(8_000),
        paid_on=date(2027, 3, 1),
    )
    client.force_login(consortium["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    kept = client.post(URL, budget_fields(**{"budget-yearly_cap": "9 000"}), follow=True)
    assert "jo maksaneet" not in kept.content.decode()  # 8 000 € is within 9 000 €
    lowered = client.post(URL, budget_fields(**{"budget-yearly_cap": "5 000"}), follow=True)
    page = lowered.content.decode()
    assert ConsortiumBudget.objects.get().yearly_cap_cents == cents(5_000)
    assert "jo maksaneet enemmän kuin uusi enimmäisosuus" in page
    assert "Pori 2027 (8 000 €)" in page.replace("\xa0", " ")
    assert consortium["budget"].payments.get().amount_cents == cents(8_000)


def test_a_total_written_with_dots_for_thousands_is_asked_again_not_read_as_cents(
    client,
    consortium,  # noqa: F811
):
    client.force_login(consortium["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    response = client.post(URL, budget_fields(**{"budget-total": "520.000"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kirjoita tuhannet välilyönnillä" in page
    assert 'value="520.000"' in page  # what was typed stays
    assert ConsortiumBudget.objects.get().total_cents == cents(300_000)
    assert client.post(URL, budget_fields(**{"budget-total": "520 000,00"})).status_code == 302
    assert ConsortiumBudget.objects.get().total_cents == cents(520_000)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert client.post(URL, budget_fields(**{"budget-total": "1.234,50"})).status_code == 400
    assert ConsortiumBudget.objects.get().total_cents == cents(520_000)
