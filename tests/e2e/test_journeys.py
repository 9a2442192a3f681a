"""The three journeys, end to end in Chromium, signing in through the demo provider."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from forum.models import Thread
from needs_registry.models import CityVote, Need, Status
from steering.models import Meeting
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser


def write_and_submit_need(
    page, site, *, title, problem, outcome, domain, one_off="0", yearly="0"
) -> Need:
    """An ICT lead writes a need in the form and submits it."""
    page.goto(f"{site.url}/needs/new/")
    page.locator("#id_title").fill(title)
    page.locator("#id_problem").fill(problem)
    page.locator("#id_desired_outcome").fill(outcome)
    page.locator("#id_domain").select_option(domain)
    page.locator("#id_one_off_cost_eur").fill(one_off)
    page.locator("#id_yearly_cost_eur").fill(yearly)
    page.locator("form.stacked-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(title)
    page.locator("form.submit-need button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    return Need.objects.get(title=title)


def test_experts_of_two_cities_discuss_live(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    pori = new_page("fi")
    porvoo = new_page("sv")
    sign_in(pori, site, "Expert (social and health), Pori")
    sign_in(porvoo, site, "Expert (education), Porvoo")
    for page in (pori, porvoo):
        page.goto(f"{site.url}/forum/t/{thread.pk}/")
    # Both pages have their live connection before anyone writes.
    pori.wait_for_timeout(1000)

    porvoo.get_by_label(re.compile("meddelande|message|viesti", re.I)).first.fill(
        "Vi testar ett nytt enkätverktyg i Borgå."
    )
    # Pori sees that Porvoo is writing, until the post itself arrives.
    expect(pori.locator("[data-typing]")).to_contain_text("kirjoittaa", timeout=2000)
    porvoo.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()

    expect(pori.locator("#posts")).to_contain_text("Vi testar ett nytt enkätverktyg", timeout=2000)
    expect(pori.locator("[data-typing]")).to_be_empty(timeout=1000)
    expect(pori.locator("#live-announcer")).not_to_be_empty()
    # The live post gets this viewer's controls: reply, react, flag, but not edit.
    newest = pori.locator("#posts article.post").last
    expect(newest.locator("a[data-action=reply]")).to_have_count(1)
    expect(newest.locator("a[href$='/flag/']")).to_have_count(1)
    expect(newest.locator("a[href$='/edit/']")).to_have_count(0)


def test_ict_lead_submits_a_need_and_another_city_votes(site, new_page):
    porvoo = new_page("fi")
    sign_in(porvoo, site, "ICT lead, Porvoo")
    need = write_and_submit_need(
        porvoo,
        site,
        title="Tilavarausten itsepalvelu",
        problem="Tilat varataan sähköpostilla ja puhelimella.",
        outcome="Asukkaat varaavat tilat itse verkossa.",
        domain="education_culture",
        one_off="30000",
        yearly="6000",
    )
    assert need.status == Status.SUBMITTED

    pori = new_page("en")
    sign_in(pori, site, "ICT lead, Pori")
    pori.goto(f"{site.url}/needs/{need.pk}/position/")
    pori.locator("#id_stance").select_option("has_need")
    pori.locator("form.stacked-form button[type=submit]").first.click()
    pori.locator("form[action$='/vote/'] button[type=submit]").first.click()
    expect(pori.locator(".messages")).to_be_visible()
    assert CityVote.objects.filter(need=need, organisation__slug="pori").exists()
    assert axe_violations(pori) == []


def test_steering_group_member_reviews_and_decides(site, new_page):
    lead = new_page("fi")
    sign_in(lead, site, "ICT lead, Kajaani")
    need = write_and_submit_need(
        lead,
        site,
        title="Laskutuksen automatisointi",
        problem="Laskut käsitellään käsin.",
        outcome="Automaattinen laskujen kierto.",
        domain="finance",
    )

    steering = new_page("sv")
    sign_in(steering, site, "Steering group, Hämeenlinna")
    steering.goto(f"{site.url}/needs/board/")
    expect(steering.locator("table")).to_contain_text("Laskutuksen automatisointi")
    steering.goto(f"{site.url}/steering/meetings/")
    steering.locator("#id_title").fill("Ohjausryhmä 5/2026")
    steering.locator("#id_held_on").fill("2026-11-23")
    steering.locator("form.stacked-form button[type=submit]").click()
    expect(steering.locator("h1")).to_contain_text("Ohjausryhmä 5/2026")
    # The need is found by words of its title, not by its number.
    picker = steering.get_by_role("combobox").and_(steering.locator("#id_agenda-need"))
    picker.press_sequentially("laskutuksen")
    steering.get_by_role("option", name=re.compile("Laskutuksen automatisointi")).click()
    expect(picker).to_have_value(re.compile("Laskutuksen automatisointi"))
    steering.locator("form[action$='/agenda/'] button[type=submit]").click()
    expect(steering.locator("main")).to_contain_text("Laskutuksen automatisointi")
    decision = steering.locator("form[action$='/decisions/']")
    decision.locator("#id_decision-text").fill("Hyväksytään kehitysjonoon.")
    decision.locator("#id_decision-resulting_status").select_option("accepted")
    decision.locator("button[type=submit]").click()
    expect(steering.locator("main")).to_contain_text("Hyväksytään kehitysjonoon.")
    need.refresh_from_db()
    assert need.status == Status.ACCEPTED

    # Published to the members, attendance recorded, minutes written on the platform and
    # approved at the next meeting.
    first = Meeting.objects.get(title="Ohjausryhmä 5/2026")
    steering.locator("form[action$='/publish/'] button[type=submit]").click()
    expect(steering.locator("form[action$='/publish/']")).to_have_count(0)
    attendance = steering.locator("form[action$='/attendance/']")
    attendance.locator("select").first.select_option(index=1)
    with steering.expect_navigation():
        attendance.locator("button[type=submit]").click()
    assert first.attendance.count() == 1
    minutes = steering.locator("form[action$='/minutes/']")
    minutes.locator("#id_minutes-text").fill("Kokous avattiin klo 13. Päätökset liitteenä.")
    minutes.locator("button[type=submit]").click()
    expect(steering.locator("#id_minutes-text")).to_have_value(
        "Kokous avattiin klo 13. Päätökset liitteenä."
    )
    steering.goto(f"{site.url}/steering/meetings/")
    steering.locator("#id_title").fill("Ohjausryhmä 6/2026")
    steering.locator("#id_held_on").fill("2026-12-01")
    steering.locator("form.stacked-form button[type=submit]").click()
    expect(steering.locator("h1")).to_contain_text("Ohjausryhmä 6/2026")
    second = Meeting.objects.get(title="Ohjausryhmä 6/2026")
    steering.goto(f"{site.url}{first.get_absolute_url()}")
    approve = steering.locator("form[action$='/minutes/approve/']")
    approve.locator("select").select_option(str(second.pk))
    approve.locator("button[type=submit]").click()
    expect(steering.locator("form[action$='/minutes/approve/']")).to_have_count(0)
    expect(steering.locator("#id_minutes-text")).to_have_count(0)  # approved: no more edits
    expect(steering.locator("main")).to_contain_text("Kokous avattiin klo 13.")
    assert first.minutes.approved_at_meeting == second


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_main_pages_have_no_serious_accessibility_violations(site, new_page, language):
    page = new_page(language)
    sign_in(page, site, "ICT lead, Pori")
    page.goto(f"{site.url}/")
    switch = page.locator(f".language-form button[value={language}]")
    if switch.count():  # the page is in another language: switch with one press
        switch.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    from accounts.models import User
    from tests.e2e.layout import main_pages

    member = User.objects.get(display_name="Pekka Salonen")  # the demo's ICT lead of Pori
    problems = {}
    for _name, path in [*main_pages(member), ("keyboard", "/forum/keyboard/")]:
        page.goto(f"{site.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        violations = axe_violations(page)
        if violations:
            problems[path] = violations
    assert problems == {}


def test_round_points_and_the_report(site, new_page):
    import csv
    import io

    lead = new_page("fi")
    sign_in(lead, site, "ICT lead, Porvoo")
    need = write_and_submit_need(
        lead,
        site,
        title="Sähköinen allekirjoitus",
        problem="Sopimukset allekirjoitetaan paperilla.",
        outcome="Sähköinen allekirjoitus kaikille.",
        domain="administration",
        one_off="50000",
    )

    steering = new_page("en")
    sign_in(steering, site, "Steering group, Hämeenlinna")
    steering.goto(f"{site.url}/needs/rounds/")
    steering.locator("#id_title").fill("Spring 2027")
    steering.get_by_label("Sähköinen allekirjoitus").check()
    steering.locator("#id_points_per_city").fill("100")
    steering.locator("#id_opens_at").fill("2026-01-01T08:00")
    steering.locator("#id_closes_at").fill("2030-01-01T08:00")
    steering.locator("form.stacked-form button[type=submit]").click()
    expect(steering.locator("h1")).to_have_text("Spring 2027")
    round_url = steering.url

    pori = new_page("sv")
    sign_in(pori, site, "ICT lead, Pori")
    pori.goto(round_url)
    pori.locator(f"#points_{need.pk}").fill("60")
    pori.locator("form.stacked-form button[type=submit]").click()
    expect(pori.locator(".matrix")).to_contain_text("60")

    steering.goto(round_url)
    steering.locator("form[action$='/close/'] button").click()
    with steering.expect_download() as download:
        steering.evaluate(f"window.location.href = '{site.url}/needs/board/?format=csv'")
    rows = list(
        csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";")
    )
    row = next(r for r in rows if r[1] == "Sähköinen allekirjoitus")
    assert row[6] == "60"  # round points
