"""The budget pages: members see every city's cost share; the coordinator records payments."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.models import AuditEntry, Role
from budget import services
from budget.models import Payment
from money import cents
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CITIES = ["hameenlinna", "pori", "porvoo", "seinajoki", "kajaani"]


@pytest.fixture
def consortium():
    organisations = {slug: OrganisationFactory(slug=slug, name_fi=slug.title()) for slug in CITIES}
    coordinator = UserFactory(
        organisation=organisations["hameenlinna"], roles=[Role.PROJECT_COORDINATOR]
    )
    budget = services.budget_create(
        actor=coordinator,
        name="Avoimet kaupungit",
        starts_on=date(2026, 8, 1),
        ends_on=date(2029, 7, 31),
        total_cents=cents(300_000),
        external_share=Decimal("0.5"),
        yearly_cap_cents=cents(10_000),
    )
    for slug, organisation in organisations.items():
        services.participation_add(
            actor=coordinator,
            budget=budget,
            organisation=organisation,
            joined_on=date(2026, 8, 1),
            one_off_cap_cents=cents(1_000) if slug == "pori" else None,
        )
    services.budget_year_set(actor=coordinator, budget=budget, year=2026, cents=cents("20833.35"))
    services.shared_cost_add(
        actor=coordinator,
        budget=budget,
        name="Rahoitushakemus",
        amount_cents=cents(5_000),
        incurred_on=date(2026, 8, 1),
    )
    services.recurring_fee_add(
        actor=coordinator, budget=budget, name="COSS", amount_cents=cents(930)
    )
    return {"budget": budget, "coordinator": coordinator, "organisations": organisations}


def test_members_see_every_citys_cost_share(client, consortium):
    expert = UserFactory(organisation=consortium["organisations"]["porvoo"])
    client.force_login(expert)
    response = client.get("/budget/")
    assert response.status_code == 200
    page = response.content.decode()
    # 20,833.35 € over five cities for August–December: 4,166.67 € each, plus 1,000 €
    # of the application.
    assert "€5,167" in page
    assert "Kajaani" in page
    assert "COSS" in page
    assert "Record a payment" not in page


def test_anonymous_visitors_are_sent_to_sign_in(client, consortium):
    response = client.get("/budget/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_coordinator_records_a_payment_and_the_audit_log_keeps_it(client, consortium):
    client.force_login(consortium["coordinator"])
    kajaani = consortium["organisations"]["kajaani"]
    assert "Record a payment" in client.get("/budget/").content.decode()
    response = client.post(
        "/budget/payments/",
        {
            "organisation": kajaani.pk,
            "year": 2026,
            "amount": "5166.67",
            "paid_on": "2026-10-15",
            "reference": "Lasku 14",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert payment.amount_cents == 516_667
    assert payment.recorded_by == consortium["coordinator"]
    entry = AuditEntry.objects.get(action="budget.payment")
    assert entry.data == {"organisation": "kajaani", "year": 2026, "amount_cents": 516_667}
    page = client.get("/budget/").content.decode()
    assert "Lasku 14" in page


def test_an_expert_cannot_record_a_payment(client, consortium):
    expert = UserFactory(organisation=consortium["organisations"]["kajaani"], roles=[Role.ICT_LEAD])
    client.force_login(expert)
    response = client.post(
        "/budget/payments/",
        {
            "organisation": consortium["organisations"]["kajaani"].pk,
            "year": 2026,
            "amount": "100",
            "paid_on": "2026-10-15",
        },
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_a_rejected_payment_keeps_what_was_typed(client, consortium):
    client.force_login(consortium["coordinator"])
    response = client.post(
        "/budget/payments/",
        {
            "organisation": consortium["organisations"]["kajaani"].pk,
            "year": 2026,
            "amount": "-5",
            "paid_on": "2026-10-15",
            "reference": "Lasku 99",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Lasku 99"' in page
    assert not Payment.objects.exists()
    assert not AuditEntry.objects.filter(action="budget.payment").exists()


def test_what_if_shows_the_share_for_each_number_of_cities(client, consortium):
    client.force_login(UserFactory(organisation=consortium["organisations"]["pori"]))
    response = client.get("/budget/what-if/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="true"' in page
    # 50,000 € a full year shared by ten cities: 5,000 € each.
    assert "€5,000" in page


def test_the_overview_queries_do_not_grow_with_payments(
    client, consortium, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(consortium["coordinator"])
    with CaptureQueriesContext(connection) as small:
        client.get("/budget/")
    kajaani = consortium["organisations"]["kajaani"]
    for day in range(1, 20):
        services.payment_record(
            actor=consortium["coordinator"],
            budget=consortium["budget"],
            organisation=kajaani,
            year=2027,
            amount_cents=100,
            paid_on=date(2027, 1, day),
        )
    with CaptureQueriesContext(connection) as large:
        client.get("/budget/")
    assert len(large) == len(small)


def test_the_demo_consortium_keeps_the_founding_figures():
    from django.core.management import call_command

    from budget import selectors

    call_command("seed_demo", verbosity=0)
    overview = selectors.budget_overview(selectors.budget_current())
    rows = {row.organisation.slug: row for row in overview.cities}
    assert len(rows) == 10
    assert rows["kajaani"].year(2026).share == cents("5166.67")
    assert all(y.share <= cents(10_000) for row in rows.values() for y in row.years)
    assert sum(y.budget for y in rows["pori"].years) <= cents(30_000)
    assert sum(y.one_off for y in rows["pori"].years) <= cents(1_000)
    assert rows["kajaani"].year(2026).fees == cents(930)
    assert rows["kajaani"].year(2026).paid == cents("5166.67")


def test_the_back_office_keeps_the_budget_and_audits_its_changes(client, consortium):
    budget = consortium["budget"]
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = f"/django-admin/budget/consortiumbudget/{budget.pk}/change/"
    page = client.get(url).content.decode()
    assert "Rahoitushakemus" in page and "COSS" in page  # the shared cost and fee inlines
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["total_cents"] = cents(520_000)
    for prefix, rows in [
        ("year_rows", budget.year_rows.all()),
        ("participations", budget.participations.all()),
        ("costs", budget.costs.all()),
        ("fees", budget.fees.all()),
        ("weights", budget.weights.all()),
    ]:
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-budget"] = budget.pk
            for field in row._meta.concrete_fields:
                if field.name not in {"id", "budget"}:
                    value = getattr(row, field.attname)
                    data[f"{prefix}-{i}-{field.name}"] = "" if value is None else value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    budget.refresh_from_db()
    assert budget.total_cents == cents(520_000)
    assert AuditEntry.objects.filter(target=f"budget.consortiumbudget:{budget.pk}").exists()
    # Payments are recorded on the budget page, against the computed shares, not here.
    assert client.get("/django-admin/budget/payment/add/").status_code == 403
    assert client.get("/django-admin/budget/payment/").status_code == 200


def _pay(client, consortium, language="en", **fields):
    data = {
        "organisation": consortium["organisations"]["kajaani"].pk,
        "year": 2026,
        "amount": "100",
        "paid_on": "2026-10-15",
        "reference": "Lasku 7",
    }
    data.update(fields)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # as the language menu sets it
    return client.post("/budget/payments/", data)


@pytest.mark.parametrize(
    ("language", "typed", "expected_cents"),
    [
        ("fi", "1\u00a0234,50", 123_450),  # as Finnish software prints it
        ("fi", "1 234,50 €", 123_450),
        ("fi", "1234.5", 123_450),
        ("sv", "2 000", 200_000),
        ("en", "1,234.50", 123_450),
    ],
)
def test_an_amount_is_read_as_people_write_it(client, consortium, language, typed, expected_cents):
    client.force_login(consortium["coordinator"])
    response = _pay(client, consortium, language, amount=typed)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Payment.objects.get().amount_cents == expected_cents


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Write the amount in euros with digits, for example 1,234.50."),
        ("fi", "Kirjoita summa euroina numeroin, esimerkiksi 1 234,50."),
        ("sv", "Skriv beloppet i euro med siffror, till exempel 1 234,50."),
    ],
)
def test_an_exponent_is_refused_not_read_as_a_billion(client, consortium, language, message):
    client.force_login(consortium["coordinator"])
    response = _pay(client, consortium, language, amount="1e9")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="1e9"' in page and 'value="Lasku 7"' in page
    assert not Payment.objects.exists()


def test_the_least_amount_is_said_in_the_readers_number_format(client, consortium):
    client.force_login(consortium["coordinator"])
    page = _pay(client, consortium, "fi", amount="0,001").content.decode()
    assert "Anna vähintään 0,01 euroa." in page
    assert "0.01" not in page
    assert not Payment.objects.exists()


def test_a_payment_above_the_whole_budget_or_the_yearly_cap_is_refused(client, consortium):
    client.force_login(consortium["coordinator"])
    page = _pay(client, consortium, "en", amount="300001").content.decode()
    assert "cannot be larger than the whole budget of the project (€300,000)" in page
    # The cap is 10,000 € a year: 6,000 € and then 4,000 € fit, one euro more does not.
    assert _pay(client, consortium, amount="6000").status_code == 302
    assert _pay(client, consortium, amount="4000").status_code == 302
    response = _pay(client, consortium, amount="1")
    assert response.status_code == 400
    assert "would pay €10,001 for 2026, more than its cap of €10,000 a year" in (
        response.content.decode()
    )
    assert Payment.objects.count() == 2
    # The cap is per year: the next year's payment is taken.
    assert _pay(client, consortium, amount="1", year=2027, paid_on="2027-01-15").status_code == 302


@pytest.mark.parametrize(
    ("paid_on", "accepted"),
    [("2035-03-01", False), ("2024-12-31", False), ("2025-01-01", True), ("2030-12-31", True)],
)
def test_a_payment_date_years_away_from_the_project_is_refused(
    client, consortium, paid_on, accepted
):
    client.force_login(consortium["coordinator"])
    response = _pay(client, consortium, "fi", paid_on=paid_on)
    if accepted:
        assert response.status_code == 302
        assert Payment.objects.get().paid_on == date.fromisoformat(paid_on)
    else:
        assert response.status_code == 400
        assert "Anna päivämäärä väliltä 1.1.2025 ja 31.12.2030." in response.content.decode()
        assert not Payment.objects.exists()
