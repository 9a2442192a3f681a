"""The composer and polls as members use them, in two browsers at once."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from forum import services
from forum.models import Poll, PollBallot, Post, Thread
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser

PASTE_TWO_PICTURES = """async (textarea) => {
  const picture = (colour) => new Promise((resolve) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 48;
    const context = canvas.getContext("2d");
    context.fillStyle = colour; context.fillRect(0, 0, 64, 48);
    const file = (blob) => new File([blob], "image.png", { type: "image/png" });
    canvas.toBlob((blob) => resolve(file(blob)), "image/png");
  });
  const clipboard = new DataTransfer();
  clipboard.items.add(await picture("#c00"));
  clipboard.items.add(await picture("#06c"));
  const init = { clipboardData: clipboard, bubbles: true, cancelable: true };
  textarea.dispatchEvent(new ClipboardEvent("paste", init));
}"""


def test_a_reply_with_preview_mention_and_pasted_pictures_reaches_the_other_browser(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    ulrika = User.objects.get(display_name="Ulrika Sjöberg")
    pori = new_page("fi")
    porvoo = new_page("sv")
    sign_in(pori, site, "Expert (social and health), Pori")
    sign_in(porvoo, site, "Expert (education), Porvoo")
    for page in (pori, porvoo):
        page.goto(f"{site.url}/forum/t/{thread.pk}/")

    message = pori.get_by_role("combobox", name=re.compile("Viestisi"))
    message.press_sequentially("Kiitos @sjob")
    suggestion = pori.get_by_role("option", name=re.compile("Ulrika Sjöberg"))
    expect(suggestion).to_have_attribute("aria-selected", "true")
    expect(message).to_have_attribute("aria-expanded", "true")
    expect(message).to_have_attribute("aria-activedescendant", suggestion.get_attribute("id"))
    message.press("Enter")
    expect(message).to_have_value(f"Kiitos @{ulrika.handle} ")
    expect(message).to_have_attribute("aria-expanded", "false")
    message.press_sequentially("**hyvästä** vinkistä!")

    message.evaluate(PASTE_TWO_PICTURES)
    expect(
        pori.get_by_role("list", name="Liitettävät tiedostot").get_by_role("listitem")
    ).to_have_count(2)

    pori.get_by_role("button", name="Esikatsele").click()
    preview = pori.get_by_role("region", name="Esikatselu")
    expect(preview.locator("strong")).to_have_text("hyvästä")
    expect(preview.locator("a.mention")).to_have_text(f"@{ulrika.handle}")
    expect(pori.locator("#live-announcer")).to_have_text("Esikatselu näkyy viestin alla.")

    pori.get_by_role("button", name="Lähetä").click()
    new_post = porvoo.locator("#posts article.post").filter(has_text="vinkistä")
    expect(new_post.locator("a.mention")).to_have_text(f"@{ulrika.handle}")
    pictures = new_post.locator(".attachments img")
    expect(pictures).to_have_count(2)
    # The thumbnails load for the reader, through the read rule.
    for n in range(2):
        pictures.nth(n).scroll_into_view_if_needed()
        expect(pictures.nth(n)).to_have_js_property("complete", True)
        assert pictures.nth(n).evaluate("(image) => image.naturalWidth") == 64
    post = Post.objects.get(body__contains="vinkistä")
    assert post.attachments.count() == 2


def test_a_city_poll_takes_one_answer_per_city(site, new_page):
    thread = Thread.objects.get(title__startswith="Asiakaspalautteen")
    poll = services.poll_create(
        actor=thread.author,
        thread=thread,
        question="Otetaanko palautejärjestelmä yhteishankintana?",
        options=["Kyllä", "Ei"],
        voters=Poll.Voters.CITY,
    )
    lead = new_page("fi")
    substitute = new_page("fi")
    sign_in(lead, site, "ICT lead, Pori")
    sign_in(substitute, site, "ICT lead's substitute, Pori")
    for page in (lead, substitute):
        page.goto(f"{site.url}/forum/t/{thread.pk}/#poll-{poll.pk}")
    lead_poll = lead.get_by_role("region", name=re.compile("palautejärjestelmä"))
    lead_poll.get_by_role("radio", name="Kyllä").check()
    lead_poll.get_by_role("button", name="Vastaa").click()
    expect(lead.locator("#live-announcer")).to_have_text("Vastauksesi tallennettiin.")

    # The substitute's page was open before: the results arrive live ...
    substitute_poll = substitute.get_by_role("region", name=re.compile("palautejärjestelmä"))
    expect(substitute_poll.locator("[data-poll-results]")).to_contain_text("1 vastaus (100 %)")
    expect(substitute_poll).to_contain_text("Vastanneet kaupungit: Pori")
    # ... and an answer sent from it is refused, keeping the choice, saying why.
    substitute_poll.get_by_role("radio", name="Ei").check()
    substitute_poll.get_by_role("button", name="Vastaa").click()
    expect(substitute_poll.get_by_role("alert")).to_have_text(
        re.compile("on jo vastannut kaupunkisi puolesta")
    )
    expect(substitute_poll.get_by_role("radio", name="Ei")).to_be_checked()
    substitute.reload()
    expect(substitute.get_by_role("region", name=re.compile("palautejärjestelmä"))).to_contain_text(
        re.compile(r"Kaupunkisi on jo vastannut \(vastaaja .+\)\.")
    )
    assert PollBallot.objects.filter(poll=poll).count() == 1
