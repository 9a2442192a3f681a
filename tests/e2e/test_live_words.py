"""The words the browser writes itself come from Django's JavaScript catalogue,
in the reader's language: a Swedish page speaks Swedish while a Finnish member
writes in the same thread."""

import re

import pytest
from playwright.sync_api import expect

from forum.models import Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_live_words_are_in_each_readers_language(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    pori = new_page("fi")
    porvoo = new_page("sv")
    sign_in(pori, site, "Expert (social and health), Pori")
    sign_in(porvoo, site, "Expert (education), Porvoo")
    catalogues = []
    porvoo.on("response", lambda r: catalogues.append(r.status) if "/jsi18n/" in r.url else None)
    for page in (pori, porvoo):
        page.goto(f"{site.url}/forum/t/{thread.pk}/")
    assert porvoo.locator("html").get_attribute("lang") == "sv"
    assert catalogues == [200]
    # Each sees the other among the readers, in their own words.
    expect(porvoo.locator("[data-presence]")).to_have_text(re.compile(r"^Läser nu: "))
    expect(pori.locator("[data-presence]")).to_have_text(re.compile(r"^Lukemassa nyt: "))

    pori.locator("[data-reply-form] textarea").press_sequentially("Hyvä ")
    expect(porvoo.locator("[data-typing]")).to_have_text(re.compile(r" skriver…$"))

    pori.locator("[data-reply-form] textarea").fill("Porissa kokeillaan samaa ensi keväänä.")
    pori.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    expect(porvoo.locator("#posts")).to_contain_text("Porissa kokeillaan samaa")
    expect(porvoo.locator("#live-announcer")).to_have_text(re.compile(r"^Nytt inlägg av \S"))
    # No English and no Finnish left in what the Swedish page's script wrote.
    for text in (porvoo.locator("#live-announcer"), porvoo.locator("[data-presence]")):
        assert not re.search(r"New post|Reading now|Uusi viesti|Lukemassa", text.inner_text())


def test_a_live_post_reads_in_each_viewers_language(site, new_page):
    """The same post, arriving live, names the poster's city and gives its time
    as each viewer's language writes them: Pori and 4.12.2026 19.05 on a
    Finnish page, Björneborg and 2026-12-04 19:05 on a Swedish one."""
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    writer = new_page("fi")
    finnish = new_page("fi")
    swedish = new_page("sv")
    sign_in(writer, site, "Expert (social and health), Pori")
    sign_in(finnish, site, "ICT lead, Kajaani")
    sign_in(swedish, site, "Expert (education), Porvoo")
    for page in (writer, finnish, swedish):
        page.goto(f"{site.url}/forum/t/{thread.pk}/")
    assert finnish.locator("html").get_attribute("lang") == "fi"
    assert swedish.locator("html").get_attribute("lang") == "sv"
    expect(swedish.locator("[data-presence]")).to_have_text(re.compile(r"^Läser nu: "))

    text = "Porin kokeilu alkaa maaliskuussa."
    writer.locator("[data-reply-form] textarea").fill(text)
    writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()

    expected = {
        finnish: ("Pori", r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}\.\d{2}$", "Björneborg"),
        swedish: ("Björneborg", r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", "Pori"),
    }
    for page, (city, time_format, other_city) in expected.items():
        post = page.locator("#posts article", has_text=text)
        expect(post).to_have_count(1)
        expect(post.locator(".organisation")).to_have_text(f", {city}")
        expect(post.locator("time")).to_have_text(re.compile(time_format))
        assert other_city not in post.locator(".post-header").inner_text()
