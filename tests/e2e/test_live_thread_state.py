"""A thread's state reaches every open page at once, rendered by the server for
that viewer: a moderator's lock closes another member's reply box, and edits,
deletions, hiding and pinning show without a reload."""

import re

import pytest
from playwright.sync_api import expect

from forum.models import Post, Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser

NOT_RELOADED = "() => window.__stillThisPage === true"


def open_thread(page, site, thread):
    page.goto(f"{site.url}/forum/t/{thread.pk}/?page=last")
    # A mark that a reload would wipe out.
    page.evaluate("() => { window.__stillThisPage = true; }")


def test_a_moderators_lock_and_a_members_edit_and_delete_show_live(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    member = new_page("fi")
    moderator = new_page("fi")
    sign_in(member, site, "Expert (social and health), Pori")
    sign_in(moderator, site, "Moderator, Heinola")
    open_thread(moderator, site, thread)
    member.goto(f"{site.url}/forum/t/{thread.pk}/?page=last")
    # Both pages have their live connection before anyone writes.
    moderator.wait_for_timeout(1000)

    # A reply, then its edit and its deletion, each show on the moderator's page.
    member.locator("[data-reply-form] textarea").fill("Porissa palaute kerätään tekstiviestillä.")
    member.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
    expect(moderator.locator("#posts")).to_contain_text("kerätään tekstiviestillä")
    post = Post.objects.filter(thread=thread).latest("number")
    member.goto(f"{site.url}/forum/p/{post.pk}/edit/")
    member.locator("textarea").fill("Porissa palaute kerätään verkkolomakkeella.")
    member.locator("form.stacked-form button[type=submit]").click()
    shown = moderator.locator(f"#post-{post.number}")
    expect(shown).to_contain_text("kerätään verkkolomakkeella")
    expect(shown.locator(".edited")).to_be_visible()
    member.goto(f"{site.url}/forum/p/{post.pk}/delete/")
    member.locator("main form button[type=submit]").click()
    expect(shown).to_contain_text("Tämä viesti on poistettu.")
    expect(shown).not_to_contain_text("verkkolomakkeella")
    assert moderator.evaluate(NOT_RELOADED)

    # The member's page is open with the reply box; the moderator locks the thread.
    open_thread(member, site, thread)
    member.wait_for_timeout(1000)
    expect(member.locator("[data-reply-form]")).to_be_visible()
    moderator.locator("[data-thread-part=moderation] button[value=lock]").click()
    expect(member.locator("[data-reply-form]")).to_have_count(0)
    expect(member.locator(".locked-notice")).to_have_text(
        "Tämä ketju on lukittu: uusia viestejä ei voi kirjoittaa."
    )
    expect(member.locator("[data-thread-part=thread_header] [data-locked]")).to_be_visible()
    # A pin shows too; the member's page gets no moderation buttons with it.
    moderator.locator("[data-thread-part=moderation] button[value=pin]").click()
    expect(member.locator("[data-thread-part=thread_header]")).to_contain_text(
        re.compile("kiinnitetty", re.I)
    )
    expect(member.locator("[data-thread-part=moderation] button")).to_have_count(0)
    assert member.evaluate(NOT_RELOADED)

    # Unlocking gives the reply box back, still without a reload.
    moderator.locator("[data-thread-part=moderation] button[value=unlock]").click()
    expect(member.locator("[data-reply-form] textarea")).to_be_visible()
    assert member.evaluate(NOT_RELOADED)


def start_thread(page, site, category: str, title: str) -> None:
    page.goto(f"{site.url}/forum/c/{category}/new/")
    page.locator("#id_title").fill(title)
    page.locator("form.stacked-form textarea").first.fill("Avataan keskustelu.")
    page.locator("form.stacked-form .form-actions button[type=submit]:not([name])").click()
    expect(page.locator("h1")).to_have_text(title)


def test_thread_lists_show_new_threads_live_behind_a_banner(site, new_page):
    """As Discourse does: the forum's index counts new threads in a banner and
    loads them when it is pressed. A thread of the steering group's own category
    never reaches a member outside it; a steering group member hears of both."""
    member = new_page("fi")
    board = new_page("fi")
    writer = new_page("fi")
    sign_in(member, site, "Expert (education), Porvoo")
    sign_in(board, site, "Steering group, Pori")
    sign_in(writer, site, "Steering group, Hämeenlinna")
    for page in (member, board):
        page.goto(f"{site.url}/forum/")
        page.evaluate("() => { window.__stillThisPage = true; }")
    member.wait_for_timeout(1000)

    start_thread(writer, site, "ohjausryhma-sisainen", "Sisäinen budjettiarvio")
    start_thread(writer, site, "ict", "Yhteinen tunnistusratkaisu")

    # The Porvoo expert reads in Swedish (their profile's language).
    banner = member.locator("[data-new-activity]")
    expect(banner).to_have_text("Visa 1 ny tråd")
    expect(board.locator("[data-new-activity]")).to_have_text("Näytä 2 uutta ketjua")
    expect(member.locator("#live-announcer")).to_have_text("1 ny eller uppdaterad tråd")
    member.wait_for_timeout(500)
    expect(banner).to_have_text("Visa 1 ny tråd")
    banner.click()
    rows = member.locator(".thread-list .thread-row")
    expect(rows.first).to_contain_text("Yhteinen tunnistusratkaisu")
    expect(rows.first).to_have_class(re.compile("is-fresh"))
    expect(member.locator(".thread-list")).not_to_contain_text("Sisäinen budjettiarvio")
    expect(banner).to_be_hidden()
    expect(rows.first.locator("a.thread-title")).to_be_focused()
    assert member.evaluate(NOT_RELOADED)
    board.locator("[data-new-activity]").click()
    expect(board.locator(".thread-list")).to_contain_text("Sisäinen budjettiarvio")
