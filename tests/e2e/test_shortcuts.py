"""Keyboard shortcuts on a thread page: j and k move between posts, r goes to the reply
field, ? opens the help page, and none of them fires while the member is typing."""

import re

import pytest
from playwright.sync_api import expect

from forum.models import Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_j_k_r_and_help_and_nothing_while_typing(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    assert thread.posts.count() >= 2
    page = new_page("fi")
    sign_in(page, site, "Expert (social and health), Pori")
    page.goto(f"{site.url}/forum/t/{thread.pk}/")
    posts = page.locator("#posts article.post")
    page.keyboard.press("j")
    expect(posts.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(posts.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(posts.nth(0)).to_be_focused()
    # At the first post the focus stays and the reader hears why.
    page.keyboard.press("k")
    expect(posts.nth(0)).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text("Tämä on ketjun ensimmäinen viesti.")
    count = posts.count()
    for _ in range(count):
        page.keyboard.press("j")
    expect(posts.nth(count - 1)).to_be_focused()
    expect(page.locator("#live-announcer")).to_have_text("Tämä on ketjun viimeinen viesti.")

    message = page.get_by_role("combobox", name=re.compile("Viestisi"))
    page.keyboard.press("r")
    expect(message).to_be_focused()
    page.keyboard.type("jk?r")  # typed into the field, not taken as shortcuts
    expect(message).to_have_value("jk?r")
    expect(page).to_have_url(re.compile(rf"/forum/t/{thread.pk}/$"))

    message.blur()
    page.keyboard.press("?")
    expect(page).to_have_url(re.compile(r"/forum/keyboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pikanäppäimet")
    expect(page.get_by_role("cell", name="Seuraava viesti")).to_be_visible()
