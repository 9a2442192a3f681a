"""A thread page's posts are kept whole in the cache (forum.fragments.page_posts):
a page opened again is one cache read, and yet every viewer sees their own
controls, and every change shows on the very next request.

These tests commit (``transaction=True``): pages are kept only outside a
transaction, as production requests run."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import Role, User
from forum import fragments, services
from forum.models import Attachment, Post
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    pori = OrganisationFactory(slug="pori", name_fi="Pori", name_sv="Björneborg")
    category = CategoryFactory(slug="ict", name_fi="ICT")
    author = UserFactory(organisation=pori, display_name="Anna Aalto")
    other = UserFactory(organisation=pori, display_name="Olli Ojala")
    another = UserFactory(organisation=pori, display_name="Ville Virta")
    third = UserFactory(organisation=pori, display_name="Tiina Toivo")
    moderator = UserFactory(organisation=pori, display_name="Mari Moi", roles=[Role.MODERATOR])
    thread = services.thread_create(
        actor=author, category=category, title="Yhteinen kalenteri", body="Ensimmäinen viesti"
    )
    reply = services.post_create(actor=other, thread=thread, body="Toinen viesti")

    def client(user):
        c = Client()
        c.force_login(user)
        return c

    return {
        "pori": pori,
        "thread": thread,
        "reply": reply,
        "author": author,
        "other": other,
        "another": another,
        "moderator": moderator,
        "as_author": client(author),
        "as_other": client(other),
        "as_another": client(another),
        "as_third": client(third),
        "as_moderator": client(moderator),
    }


def page(client: Client, thread) -> str:
    response = client.get(f"/forum/t/{thread.pk}/?page=1")
    assert response.status_code == 200
    return response.content.decode()


def post_html(html: str, number: int) -> str:
    match = re.search(rf'<article[^>]*id="post-{number}".*?</article>', html, re.S)
    assert match, f"post #{number} is not on the page"
    return match.group(0)


def test_a_page_opened_again_reads_no_post(world):
    thread = world["thread"]
    with CaptureQueriesContext(connection) as queries:
        first = page(world["as_another"], thread)
    assert [q for q in queries if '"forum_post"."html"' in q["sql"]]  # rendered the first time
    with CaptureQueriesContext(connection) as queries:
        again = page(world["as_another"], thread)
    assert again.count("<article") == first.count("<article") == 2
    assert "Toinen viesti" in again
    assert not [q for q in queries if '"forum_post"."html"' in q["sql"]]
    # Another member with the same abilities gets the same kept page, and whether
    # a post on it is theirs is told from the page, not asked of the posts.
    another = world["as_third"]
    with CaptureQueriesContext(connection) as queries:
        assert "Toinen viesti" in page(another, thread)
    assert not [q for q in queries if 'FROM "forum_post"' in q["sql"]]
    # The reply's writer gets a page of their own, kept as well, whether or not
    # the page for everyone else is kept.
    cache.clear()
    page(world["as_other"], thread)
    with CaptureQueriesContext(connection) as queries:
        own = post_html(page(world["as_other"], thread), 2)
    assert 'data-action="edit"' in own
    assert not [q for q in queries if 'FROM "forum_post"' in q["sql"]]
    page(world["as_third"], thread)
    with CaptureQueriesContext(connection) as queries:
        own = post_html(page(world["as_other"], thread), 2)
    assert 'data-action="edit"' in own
    assert not [q for q in queries if 'FROM "forum_post"' in q["sql"]]


def test_each_viewer_gets_their_own_controls_from_a_kept_page(world):
    # The reply's writer and another member may do the same in the thread; only the
    # writer may edit the reply.
    thread, as_writer, as_another = world["thread"], world["as_other"], world["as_another"]
    for order in ((as_another, as_writer), (as_writer, as_another)):
        cache.clear()
        pages = {client: page(client, thread) for client in order}
        own = post_html(pages[as_writer], 2)
        theirs = post_html(pages[as_another], 2)
        assert 'data-action="edit"' in own and 'data-action="flag"' not in own
        assert 'data-action="edit"' not in theirs and 'data-action="flag"' in theirs
    moderated = post_html(page(world["as_moderator"], thread), 2)
    assert 'data-action="hide"' in moderated
    assert 'data-action="hide"' not in post_html(page(as_another, thread), 2)


def test_a_viewers_reaction_marks_only_their_page(world):
    thread = world["thread"]
    page(world["as_another"], thread)
    page(world["as_moderator"], thread)  # both pages kept
    services.reaction_toggle(actor=world["another"], post=world["reply"], kind="thumbs_up")
    mine = post_html(page(world["as_another"], thread), 2)
    seen = post_html(page(world["as_moderator"], thread), 2)
    assert re.search(r'class="reaction-count" aria-pressed="true"', mine)
    assert 'aria-pressed="true"' not in seen.split("reaction-picker")[0]
    assert "Ville Virta" in seen  # who reacted, for everyone


def test_a_reactor_gets_their_own_page_after_another_member_kept_theirs(world):
    """Someone who reacted to a post on the page, with no post of their own there,
    opens it after a member with the same abilities had it kept."""
    thread = world["thread"]
    services.reaction_toggle(actor=world["another"], post=world["reply"], kind="thumbs_up")
    seen = post_html(page(world["as_third"], thread), 2)  # kept for everyone else
    assert 'aria-pressed="true"' not in seen.split("reaction-picker")[0]
    mine = post_html(page(world["as_another"], thread), 2)
    assert re.search(r'class="reaction-count" aria-pressed="true"', mine)


def test_every_change_shows_on_the_next_request(world):
    thread, reply, as_other = world["thread"], world["reply"], world["as_other"]
    page(as_other, thread)
    services.post_create(actor=world["moderator"], thread=thread, body="Kolmas viesti")
    assert "Kolmas viesti" in page(as_other, thread)
    services.post_edit(actor=world["other"], post=reply, body="Korjattu viesti")
    assert "Korjattu viesti" in page(as_other, thread)
    services.post_set_hidden(actor=world["moderator"], post=reply, hidden=True)
    assert "Korjattu viesti" not in page(as_other, thread)
    # Names change outside the thread's events: a person's and an organisation's.
    author = world["author"]
    author.display_name = "Anna Uusinimi"
    author.save()
    assert "Anna Uusinimi" in post_html(page(as_other, thread), 1)
    pori = world["pori"]
    pori.name_fi = "Porin kaupunki"
    pori.save()
    assert "Porin kaupunki" in post_html(page(as_other, thread), 1)


def test_signing_in_changes_no_kept_page(world):
    thread, as_other, author = world["thread"], world["as_other"], world["author"]
    page(as_other, thread)
    version = cache.get(fragments.CONTENT_VERSION_KEY)
    assert version

    def sign_in(display_name):
        account_services.user_apply_iam_profile(
            user=User.objects.get(pk=author.pk),
            profile=account_services.IAMProfile(
                subject="s-anna",
                email=author.email,
                display_name=display_name,
                organisation=author.organisation,
                roles=frozenset(),
                preferred_language=None,
            ),
            is_new=False,
        )

    sign_in("Anna Aalto")  # the IAM says what the platform knows
    world["author"].save(update_fields=["last_login"])
    assert cache.get(fragments.CONTENT_VERSION_KEY) == version
    sign_in("Anna Aalto-Uusi")  # the IAM has a new name for her
    assert cache.get(fragments.CONTENT_VERSION_KEY) != version
    assert "Anna Aalto-Uusi" in post_html(page(as_other, thread), 1)


def test_a_post_elsewhere_keeps_the_page_and_one_here_gives_way(world):
    thread, reply, as_another = world["thread"], world["reply"], world["as_another"]

    def rendered() -> bool:
        with CaptureQueriesContext(connection) as queries:
            html = page(as_another, thread)
        return html, bool([q for q in queries if '"forum_post"."html"' in q["sql"]])

    rendered()
    elsewhere = services.thread_create(
        actor=world["moderator"], category=CategoryFactory(slug="hr"), title="Muu", body="x"
    )
    services.post_create(actor=world["author"], thread=elsewhere, body="Muualla")
    Post.objects.get(thread=elsewhere, number=1).save()  # the back office, elsewhere
    html, again = rendered()
    assert not again and "Toinen viesti" in html
    # The back office changes a post of this thread: no thread event, still shown.
    reply.html = "<p>Ylläpidon korjaama</p>"
    reply.save()
    html, again = rendered()
    assert again and "Ylläpidon korjaama" in html


def test_each_language_and_each_session_get_their_own_page(world):
    thread, as_other = world["thread"], world["as_other"]
    finnish = page(as_other, thread)
    as_other.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish = page(as_other, thread)
    assert "Vastaa" in finnish and "Svara" in swedish
    tokens = set()
    for client in (world["as_author"], as_other):
        html = page(client, thread)
        forms = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', post_html(html, 2))
        assert forms and len(set(forms)) == 1
        tokens.add(forms[0])
    assert len(tokens) == 2
    assert fragments.csrf_placeholder() not in finnish + swedish


def test_a_page_read_in_a_transaction_that_rolls_back_is_not_kept(world):
    thread, reply, as_another = world["thread"], world["reply"], world["as_another"]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_edit(actor=world["other"], post=reply, body="Peruttu muutos")
        assert "Peruttu muutos" in page(as_another, thread)
        raise RuntimeError
    shown = page(as_another, thread)
    assert "Peruttu muutos" not in shown and "Toinen viesti" in shown
    # The thread's next event takes the sequence number the rolled-back edit had.
    thread.refresh_from_db()
    services.poll_create(
        actor=world["author"], thread=thread, question="Kumpi?", options=["A", "B"]
    )
    shown = page(as_another, thread)
    assert "Peruttu muutos" not in shown and "Toinen viesti" in shown


def attach(post, uploader, stored_as="liite1"):
    return Attachment.objects.create(
        post=post,
        uploader=uploader,
        token=stored_as,
        file=f"attachments/{stored_as}.pdf",
        original_name="liite-muistio.pdf",
        content_type="application/pdf",
        size=10,
    )


def test_what_the_back_office_moves_or_takes_off_leaves_both_threads_pages(world):
    """A post or an attachment moved elsewhere, or taken off its post, is gone from
    the page it was on, and shows on the page it went to."""
    thread, reply, as_another = world["thread"], world["reply"], world["as_another"]
    elsewhere = services.thread_create(
        actor=world["moderator"], category=thread.category, title="Muu", body="Muualla"
    )
    there = Post.objects.get(thread=elsewhere, number=1)
    attachment = attach(reply, world["other"])
    assert "liite-muistio" in page(as_another, thread)
    assert "liite-muistio" not in page(as_another, elsewhere)
    attachment = Attachment.objects.get(pk=attachment.pk)
    attachment.post = there
    attachment.save()
    assert "liite-muistio" not in page(as_another, thread)
    assert "liite-muistio" in page(as_another, elsewhere)
    attachment = Attachment.objects.get(pk=attachment.pk)
    attachment.post = None
    attachment.save()
    assert "liite-muistio" not in page(as_another, elsewhere)
    assert "Toinen viesti" in page(as_another, thread)
    moved = Post.objects.get(pk=reply.pk)
    moved.thread, moved.number = elsewhere, 2
    moved.save()
    assert "Toinen viesti" not in page(as_another, thread)
    assert "Toinen viesti" in page(as_another, elsewhere)


def page_reads(monkeypatch) -> list[list[str]]:
    """Every read of kept pages from the shared cache, from here on."""
    reads: list[list[str]] = []
    get_many = fragments.cache.get_many

    def counted(keys, *args, **kwargs):
        if any(":page-posts:" in key for key in keys):
            reads.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(fragments.cache, "get_many", counted)
    return reads


def test_a_process_reads_a_page_it_kept_from_its_own_copy_for_a_while(world, monkeypatch):
    thread, as_another = world["thread"], world["as_another"]
    page(as_another, thread)  # rendered, kept in the cache and by this process
    reads = page_reads(monkeypatch)
    clock = [0.0]
    monkeypatch.setattr(fragments, "_clock", lambda: clock[0])
    fragments.process_pages.clear()
    assert "Toinen viesti" in page(as_another, thread)
    assert len(reads) == 1  # another process's page: read from the cache once...
    assert "Toinen viesti" in page(world["as_third"], thread)
    assert len(reads) == 1  # ...and then from this process's copy
    clock[0] += fragments.PROCESS_SECONDS
    assert "Toinen viesti" in page(as_another, thread)
    assert len(reads) == 2  # the copy lived its time: the cache is asked again
    # A change is a new page: the process's copy of the old one is never shown.
    services.post_edit(actor=world["other"], post=world["reply"], body="Korjattu viesti")
    shown = page(as_another, thread)
    assert "Korjattu viesti" in shown and "Toinen viesti" not in shown


def test_a_process_keeps_a_bounded_number_of_pages(world, monkeypatch):
    monkeypatch.setattr(fragments, "PROCESS_PAGES", 2)
    threads = [world["thread"]] + [
        services.thread_create(
            actor=world["author"], category=world["thread"].category, title=f"Ketju {n}", body="x"
        )
        for n in range(2)
    ]
    for thread in threads:
        page(world["as_another"], thread)
    reads = page_reads(monkeypatch)
    page(world["as_another"], threads[2])
    page(world["as_another"], threads[1])
    assert reads == []  # the two read last are this process's
    page(world["as_another"], threads[0])
    assert len(reads) == 1  # the first was let go
