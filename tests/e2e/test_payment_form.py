"""The coordinator records a city's payment on a phone: a slip is explained next to
the field, in view and with the focus on it, and what was typed stays."""

import re

import pytest
from playwright.sync_api import expect

from budget.models import Payment
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_rejected_payment_brings_the_reader_to_the_field(site, new_page):
    before = Payment.objects.count()
    page = new_page("fi")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, site, "Project coordinator, Hämeenlinna")
    page.goto(f"{site.url}/budget/")
    amount = page.get_by_label(re.compile("^Summa"))
    amount.fill("1e9")
    page.get_by_label("Viite").fill("Lasku 2026/41")
    page.get_by_label(re.compile("^Maksupäivä")).fill("2026-11-30")
    page.get_by_role("button", name="Kirjaa maksu").click()

    expect(
        page.get_by_text("Kirjoita summa euroina numeroin, esimerkiksi 1 234,50.")
    ).to_be_visible()
    expect(amount).to_be_focused()
    expect(amount).to_be_in_viewport()
    expect(amount).to_have_value("1e9")
    expect(page.get_by_label("Viite")).to_have_value("Lasku 2026/41")
    assert Payment.objects.count() == before

    amount.fill("1 234,50")
    page.get_by_role("button", name="Kirjaa maksu").click()
    expect(page.get_by_text("Maksu kirjattiin.")).to_be_visible()
    payment = Payment.objects.get(reference="Lasku 2026/41")
    assert payment.amount_cents == 123_450
