"""What a moderator does to a thread reaches the other open pages at once: an
accepted answer, a hidden post, a move to another category and a hidden thread;
new posts are announced to screen readers; and a member's notification level
decides whether a new post in the thread notifies them."""

import re

import pytest
from playwright.sync_api import expect

from forum.models import Category, Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser

NOT_RELOADED = "() => window.__stillThisPage === true"
THREAD = "Asiakaspalautteen"


def open_thread(page, site, thread):
    page.goto(f"{site.url}/forum/t/{thread.pk}/?page=last")
    page.evaluate("() => { window.__stillThisPage = true; }")
    page.wait_for_timeout(1000)  # the live connection is up before anyone acts


def post_menu(page, number: int, action: str) -> None:
    page.locator(f"#post-{number} [data-action=more]").click()
    page.locator(f"#post-{number} [data-action={action}]").click()


def test_answer_hide_move_and_hidden_thread_show_live(site, new_page):
    thread = Thread.objects.get(title__startswith=THREAD)
    assert thread.posts.count() >= 2
    member = new_page("fi")
    moderator = new_page("fi")
    sign_in(member, site, "Expert (social and health), Pori")
    sign_in(moderator, site, "Moderator, Heinola")
    open_thread(member, site, thread)
    open_thread(moderator, site, thread)

    post_menu(moderator, 2, "mark-solution")
    expect(member.locator("[data-thread-part=thread_header] .solution")).to_contain_text(
        "Hyväksytty vastaus"
    )

    post_menu(moderator, 2, "hide")
    expect(member.locator("#post-2")).to_contain_text("Moderaattori piilotti tämän viestin.")
    # The member gets no "show" button with it; the moderator does.
    expect(member.locator("#post-2 [data-action=show]")).to_have_count(0)
    expect(moderator.locator("#post-2 [data-action=show]")).to_be_visible()

    target = Category.objects.get(slug="hallinto")
    moderator.locator("[data-thread-part=moderation] select[name=category]").select_option(
        str(target.pk)
    )
    moderator.get_by_role("button", name="Siirrä", exact=True).click()
    expect(member.locator("[data-thread-part=thread_header] [data-category]")).to_have_text(
        target.name_fi
    )
    assert member.evaluate(NOT_RELOADED)

    moderator.locator("[data-thread-part=moderation] button[value=hide]").click()
    expect(member.get_by_role("alert")).to_contain_text("Et voi enää lukea tätä ketjua.")
    assert member.evaluate(NOT_RELOADED)


def test_new_posts_are_announced_and_the_notification_level_decides(site, new_page):
    thread = Thread.objects.get(title__startswith=THREAD)
    reader = new_page("fi")
    writer = new_page("fi")
    sign_in(reader, site, "Expert (social and health), Pori")
    sign_in(writer, site, "Expert (education), Porvoo")
    open_thread(reader, site, thread)

    def set_level(label: str) -> None:
        reader.locator("[data-tracking] summary").click()
        reader.get_by_label(label, exact=True).check()
        reader.locator("[data-tracking] button[type=submit]").click()
        expect(reader.locator("[data-tracking-level]")).to_have_text(label)
        open_thread(reader, site, thread)

    def reply(text: str) -> None:
        writer.goto(f"{site.url}/forum/t/{thread.pk}/?page=last")
        writer.locator("[data-reply-form] textarea").fill(text)
        writer.locator("[data-reply-form] button[type=submit]:not([name=preview])").click()
        expect(reader.locator("#posts")).to_contain_text(text)

    badge = reader.locator("#nav-notifications [data-unread-count]")

    def unread() -> int:
        text = badge.text_content() or "0"
        return int(text.strip() or 0)

    set_level("Tarkkaillaan")
    before = unread()
    reply("Porvoossa kokeillaan palautetta QR-koodilla.")
    # Screen readers hear the new post once, politely.
    expect(reader.locator("#live-announcer")).to_have_text(re.compile(r"^Uusi viesti: "))
    # Watching: the new post is a notification, counted live.
    expect(badge).to_have_text(str(before + 1))

    set_level("Vaimennettu")
    muted_from = unread()
    assert muted_from >= before + 1
    reply("Palaute kerätään myös paperilla.")
    reader.wait_for_timeout(2000)
    # Muted: the post shows on the open page, but no notification comes of it.
    expect(reader.locator("#posts")).to_contain_text("paperilla")
    expect(badge).to_have_text(str(muted_from))
