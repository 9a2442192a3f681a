"""Drafts outlive a reload: a new thread's title, category and text, and a reply's text,
come back as the member left them."""

import re

import pytest
from playwright.sync_api import expect

from forum.models import Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_new_threads_draft_and_a_replys_draft_come_back_after_a_reload(site, new_page):
    page = new_page("fi")
    sign_in(page, site, "Expert (social and health), Pori")
    page.goto(f"{site.url}/forum/new/")
    page.locator("#id_title").fill("Kotihoidon reititys")
    category = page.locator("select#id_category")
    choice = category.locator("option:not([value=''])").nth(1).get_attribute("value")
    category.select_option(choice)
    body = page.locator("textarea[name=body]")
    with page.expect_response(re.compile(r"/forum/new/draft/$")):
        body.fill("Miten muut kunnat reitittävät kotihoidon käynnit?")
    page.reload()
    expect(page.locator("#id_title")).to_have_value("Kotihoidon reititys")
    expect(page.locator("select#id_category")).to_have_value(choice)
    expect(page.locator("textarea[name=body]")).to_have_value(
        "Miten muut kunnat reitittävät kotihoidon käynnit?"
    )

    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    page.goto(f"{site.url}/forum/t/{thread.pk}/")
    reply = page.locator("[data-reply-form] textarea[name=body]")
    with page.expect_response(re.compile(rf"/forum/t/{thread.pk}/draft/$")):
        reply.fill("Meillä on sama kokemus.")
    page.reload()
    expect(page.locator("[data-reply-form] textarea[name=body]")).to_have_value(
        "Meillä on sama kokemus."
    )
