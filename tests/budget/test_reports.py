"""A city's yearly report to the project coordinator: its ICT lead writes what the
project brought and submits it; the coordinator approves it (its figures then stay
as they were) or returns it with a reason; every member may read it and download it."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import AuditEntry, Role
from budget import selectors, services
from budget.models import ReportStatus, YearlyReport
from budget.report_downloads import InlineOnlyFetcher
from money import cents
from needs_registry import services as need_services
from notifications.models import Notification
from tests.budget.test_views import consortium  # noqa: F401 (fixture)
from tests.factories import OrganisationFactory, UserFactory
from tests.queries import UNREAD_COUNT

pytestmark = pytest.mark.django_db

URL = "/budget/reports/2026/kajaani/"


@pytest.fixture
def leads(consortium):  # noqa: F811
    organisations = consortium["organisations"]
    return {
        slug: UserFactory(organisation=organisations[slug], roles=[Role.ICT_LEAD])
        for slug in ("kajaani", "pori")
    }


def fill(**changes):
    return {
        "hours_saved": "120",
        "euros_saved": "4500.00",
        "benefits": "Sähköinen lupapalvelu otettiin käyttöön.",
        "notes": "",
        "action": "save",
        **changes,
    }


def test_an_ict_lead_fills_and_submits_the_citys_report(
    client,
    consortium,  # noqa: F811
    leads,
    django_capture_on_commit_callbacks,
):
    client.force_login(leads["kajaani"])
    # The year's page brings the lead to their own city's report.
    response = client.get("/budget/reports/2026/")
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL).content.decode()
    assert "Submit the report" in page
    assert "€5,167" in page  # the city's share for 2026, read from the budget
    response = client.post(URL, fill())
    assert response.status_code == 302, response.content.decode()[:3000]
    report = YearlyReport.objects.get()
    assert report.status == ReportStatus.DRAFT
    assert (report.hours_saved, report.euros_saved_cents) == (120, 450_000)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, fill(action="submit", hours_saved="130"), follow=True)
    assert "The report was submitted to the project coordinator." in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.hours_saved == 130
    assert report.prepared_by == leads["kajaani"] and report.submitted_at
    assert (
        Notification.objects.get(kind="budget.report_submitted").user == (consortium["coordinator"])
    )
    assert sorted(
        AuditEntry.objects.filter(action__startswith="budget.report").values_list(
            "action", flat=True
        )
    ) == ["budget.report_save", "budget.report_save", "budget.report_submit"]
    # Once submitted, it can no longer be changed.
    page = client.get(URL).content.decode()
    assert "Submit the report" not in page
    assert "Sähköinen lupapalvelu otettiin käyttöön." in page
    response = client.post(URL, fill(benefits="Muutos"))
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.benefits == "Sähköinen lupapalvelu otettiin käyttöön."


def test_another_citys_lead_may_read_but_not_write(client, consortium, leads):  # noqa: F811
    services.report_save(
        actor=leads["kajaani"],
        budget=consortium["budget"],
        organisation=consortium["organisations"]["kajaani"],
        year=2026,
        data={"benefits": "Kajaanin hyödyt"},
    )
    client.force_login(leads["pori"])
    response = client.get(URL)
    assert response.status_code == 200
    assert "Kajaanin hyödyt" in response.content.decode()
    assert "Submit the report" not in response.content.decode()
    assert client.post(URL, fill()).status_code == 403
    assert YearlyReport.objects.get().benefits == "Kajaanin hyödyt"
    expert = UserFactory(organisation=consortium["organisations"]["porvoo"])
    client.force_login(expert)
    assert "Kajaanin hyödyt" in client.get(URL).content.decode()
    client.logout()
    assert client.get(URL).status_code == 302


def test_an_expert_cannot_prepare_the_report(client, consortium):  # noqa: F811
    expert = UserFactory(organisation=consortium["organisations"]["kajaani"])
    with pytest.raises(PermissionDenied):
        services.report_save(
            actor=expert,
            budget=consortium["budget"],
            organisation=consortium["organisations"]["kajaani"],
            year=2026,
            data={"benefits": "x"},
        )
    client.force_login(expert)
    assert client.post(URL, fill()).status_code == 403
    assert not YearlyReport.objects.exists()


def test_negative_hours_are_refused_with_what_was_typed_kept(client, consortium, leads):  # noqa: F811
    client.force_login(leads["kajaani"])
    response = client.post(URL, fill(hours_saved="-5", benefits="Kirjoitettu teksti"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the hours as zero or more." in page
    assert 'value="-5"' in page
    assert "Kirjoitettu teksti" in page
    assert not YearlyReport.objects.exists()


def _submitted(consortium, leads):  # noqa: F811
    report = services.report_save(
        actor=leads["kajaani"],
        budget=consortium["budget"],
        organisation=consortium["organisations"]["kajaani"],
        year=2026,
        data={"hours_saved": 40, "benefits": "Hyödyt"},
    )
    return services.report_submit(actor=leads["kajaani"], report=report)


def _pay(consortium, amount):  # noqa: F811
    services.payment_record(
        actor=consortium["coordinator"],
        budget=consortium["budget"],
        organisation=consortium["organisations"]["kajaani"],
        year=2026,
        amount_cents=cents(amount),
        paid_on=date(2026, 10, 15),
    )


def test_an_approved_report_keeps_its_figures(client, consortium, leads):  # noqa: F811
    _pay(consortium, 1000)
    report = _submitted(consortium, leads)
    client.force_login(consortium["coordinator"])
    page = client.get(URL).content.decode()
    assert "Approve the report" in page
    response = client.post(f"{URL}approve/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == consortium["coordinator"]
    assert report.snapshot["paid"] == cents(1000)
    _pay(consortium, 2000)
    budget, kajaani = consortium["budget"], consortium["organisations"]["kajaani"]
    assert selectors.report_figures(budget, kajaani, 2026).paid == cents(3000)
    frozen = selectors.report_figures_for(report, budget, kajaani, 2026)
    assert frozen.paid == cents(1000)
    report.refresh_from_db()
    assert report.snapshot["paid"] == cents(1000)
    assert "€1,000" in client.get(URL).content.decode()
    summary = {row.organisation.slug: row for row in selectors.report_summary(budget, 2026)}
    assert summary["kajaani"].figures.paid == cents(1000)
    assert summary["pori"].report is None
    # An approved report is neither changed nor approved again.
    with pytest.raises(ValidationError):
        services.report_save(
            actor=leads["kajaani"], budget=budget, organisation=kajaani, year=2026, data={}
        )
    with pytest.raises(ValidationError):
        services.report_approve(actor=consortium["coordinator"], report=report)


def test_only_the_coordinator_approves(consortium, leads):  # noqa: F811
    report = _submitted(consortium, leads)
    with pytest.raises(PermissionDenied):
        services.report_approve(actor=leads["kajaani"], report=report)
    steering = UserFactory(
        organisation=consortium["organisations"]["pori"], roles=[Role.STEERING_GROUP]
    )
    with pytest.raises(PermissionDenied):
        services.report_return(actor=steering, report=report, reason="x")


def test_returning_with_a_reason_reopens_the_report(
    client,
    consortium,  # noqa: F811
    leads,
    django_capture_on_commit_callbacks,
):
    report = _submitted(consortium, leads)
    client.force_login(consortium["coordinator"])
    response = client.post(f"{URL}return/", {"reason": ""})
    assert response.status_code == 400
    assert YearlyReport.objects.get().status == ReportStatus.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}return/", {"reason": "Lisää euromäärät."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert report.return_reason == "Lisää euromäärät."
    assert Notification.objects.get(kind="budget.report_returned").user == leads["kajaani"]
    client.force_login(leads["kajaani"])
    page = client.get(URL).content.decode()
    assert "Lisää euromäärät." in page and "Submit the report" in page
    response = client.post(URL, fill(action="submit", euros_saved="100"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.euros_saved_cents == cents(100)


def test_submitting_needs_the_benefits(client, consortium, leads):  # noqa: F811
    client.force_login(leads["kajaani"])
    response = client.post(URL, fill(action="submit", benefits=""))
    assert response.status_code == 400
    assert "Say what went live and what it brought." in response.content.decode()
    assert YearlyReport.objects.get().status == ReportStatus.DRAFT


def test_the_steering_group_sees_every_citys_report(client, consortium, leads):  # noqa: F811
    _submitted(consortium, leads)
    steering = UserFactory(
        organisation=consortium["organisations"]["pori"], roles=[Role.STEERING_GROUP]
    )
    client.force_login(steering)
    page = client.get("/budget/reports/2026/").content.decode()
    for city in ("Kajaani", "Pori", "Porvoo", "Seinajoki", "Hameenlinna"):
        assert city in page
    assert "Submitted" in page and "Not started" in page
    assert client.get("/budget/reports/2031/").status_code == 404
    assert client.get("/budget/reports/2026/paltamo/").status_code == 404


def test_the_report_follows_the_citys_commitments(consortium, leads):  # noqa: F811
    need = need_services.need_create(
        actor=leads["kajaani"],
        data={"title": "Lupapalvelu", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    need = need_services.need_transition(actor=leads["kajaani"], need=need, to_status="submitted")
    need_services.commitment_record(
        actor=leads["kajaani"], need=need, amount_eur=Decimal(3000), budget_year=2026
    )
    services.need_cost_save(
        actor=consortium["coordinator"],
        need=need,
        data={"kind": "deployment", "payer": "cities", "estimated_cents": cents(2000)},
    )
    figures = selectors.report_figures(
        consortium["budget"], consortium["organisations"]["kajaani"], 2026
    )
    assert [(line.title, line.cents) for line in figures.commitments] == [
        ("Lupapalvelu", cents(3000))
    ]
    assert [(line.title, line.cents) for line in figures.need_costs] == [
        ("Lupapalvelu", cents(2000))
    ]


def test_the_spreadsheet_holds_the_share_and_payments(client, consortium, leads):  # noqa: F811
    _pay(consortium, 1000)
    _submitted(consortium, leads)
    client.force_login(UserFactory(organisation=consortium["organisations"]["porvoo"]))
    response = client.get("/budget/reports/2026/kajaani.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert Decimal(str(values["Cost share (€)"])) == Decimal("5166.67")
    assert Decimal(str(values["Paid (€)"])) == Decimal("1000")
    assert values["Hours of manual work saved"] == 40
    assert values["Benefits realised"] == "Hyödyt"


def test_the_pdf_is_rendered_in_the_readers_language(client, consortium, leads):  # noqa: F811
    _submitted(consortium, leads)
    client.force_login(leads["pori"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    response = client.get("/budget/reports/2026/kajaani.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 2000
    assert response["Content-Language"] == "fi"
    client.logout()
    assert client.get("/budget/reports/2026/kajaani.pdf").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_submitted_and_an_approved_report_once():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    reports = {r.organisation.slug: r for r in YearlyReport.objects.select_related("organisation")}
    assert set(reports) == {"kajaani", "hameenlinna"}
    assert reports["kajaani"].status == ReportStatus.SUBMITTED and reports["kajaani"].benefits
    assert reports["hameenlinna"].status == ReportStatus.APPROVED
    assert reports["hameenlinna"].snapshot["paid"] == cents("5166.67")


@pytest.mark.parametrize("extra_cities", [0, 6])
def test_the_summary_reads_in_a_constant_number_of_queries(
    client,
    consortium,  # noqa: F811
    leads,
    extra_cities,
    django_assert_num_queries,
):
    budget = consortium["budget"]
    for number in range(extra_cities):
        city = OrganisationFactory(slug=f"kunta-{number}")
        services.participation_add(
            actor=consortium["coordinator"],
            budget=budget,
            organisation=city,
            joined_on=date(2026, 8, 1),
        )
        lead = UserFactory(organisation=city, roles=[Role.ICT_LEAD])
        report = services.report_save(
            actor=lead, budget=budget, organisation=city, year=2026, data={"benefits": "x"}
        )
        services.report_approve(
            actor=consortium["coordinator"],
            report=services.report_submit(actor=lead, report=report),
        )
    _submitted(consortium, leads)
    client.force_login(consortium["coordinator"])
    client.get("/budget/reports/2026/")
    # The coordinator was told of the submitted reports: the header counts them.
    # The session, and the member with their roles in one query.
    with django_assert_num_queries(12 + UNREAD_COUNT):
        assert client.get("/budget/reports/2026/").status_code == 200


def test_rendering_a_pdf_fetches_nothing_but_inline_data():
    fetcher = InlineOnlyFetcher(allowed_protocols=["data"])
    for address in ("https://example.org/font.woff2", "file:///etc/passwd", "http://127.0.0.1/"):
        with pytest.raises(ValueError):
            fetcher.fetch(address)
    assert fetcher.fetch("data:text/css,p{}").read() == b"p{}"


@pytest.mark.parametrize("needs", [1, 6])
def test_a_citys_report_reads_in_a_constant_number_of_queries(
    client,
    consortium,  # noqa: F811
    leads,
    needs,
    django_assert_num_queries,
):
    lead = leads["kajaani"]
    for number in range(needs):
        need = need_services.need_create(
            actor=lead,
            data={
                "title": f"Tarve {number}",
                "problem": "p",
                "desired_outcome": "o",
                "domain": "ict",
            },
        )
        need = need_services.need_transition(actor=lead, need=need, to_status="submitted")
        for who in (lead, leads["pori"]):
            need_services.commitment_record(
                actor=who, need=need, amount_eur=Decimal(1000), budget_year=2026
            )
        services.need_cost_save(
            actor=consortium["coordinator"],
            need=need,
            data={"kind": "deployment", "payer": "cities", "estimated_cents": cents(2000)},
        )
    client.force_login(lead)
    client.get(URL)
    # The session, and the member with their roles in one query.
    with django_assert_num_queries(17):
        page = client.get(URL).content.decode()
    assert page.count("Tarve ") >= needs * 2  # each need among commitments and costs
