"""Kajaani's ICT lead writes the city's yearly report in Finnish and submits it; the
project coordinator approves it."""

import re

import pytest
from playwright.sync_api import expect

from budget.models import ReportStatus, YearlyReport
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_city_reports_its_year_and_the_coordinator_approves(site, new_page):
    page = new_page("fi")
    sign_in(page, site, "ICT lead, Kajaani")
    # 2026 is already submitted in the demo; 2027 is still to write.
    page.goto(f"{site.url}/budget/reports/2027/")
    expect(page).to_have_url(re.compile(r"/budget/reports/2027/kajaani/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Vuosiraportti 2027"))
    page.get_by_label("Säästetyt manuaalisen työn tunnit").fill("320")
    page.get_by_label("Säästetyt eurot (€)").fill("12 500,00")
    page.get_by_role("textbox", name="Toteutuneet hyödyt").fill("Ajanvaraus siirtyi verkkoon.")
    page.get_by_role("button", name="Jätä raportti").click()

    expect(page.get_by_text("Raportti jätettiin projektikoordinaattorille.")).to_be_visible()
    expect(page.locator("[data-report-status]")).to_have_text("Jätetty")
    expect(page.get_by_role("button", name="Jätä raportti")).to_have_count(0)
    report = YearlyReport.objects.get(organisation__slug="kajaani", year=2027)
    assert report.status == ReportStatus.SUBMITTED
    assert (report.hours_saved, report.euros_saved_cents) == (320, 1_250_000)

    coordinator = new_page("fi")
    sign_in(coordinator, site, "Project coordinator, Hämeenlinna")
    coordinator.goto(f"{site.url}/budget/reports/2027/")
    coordinator.get_by_role("link", name="Kajaani").click()
    expect(coordinator.get_by_text("Ajanvaraus siirtyi verkkoon.")).to_be_visible()
    coordinator.get_by_role("button", name="Hyväksy raportti").click()
    expect(
        coordinator.get_by_text("Raportti hyväksyttiin; sen luvut on nyt lukittu.")
    ).to_be_visible()
    expect(coordinator.locator("[data-report-status]")).to_have_text("Hyväksytty")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.snapshot
