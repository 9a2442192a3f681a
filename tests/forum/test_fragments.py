"""The thread page's posts come from a fragment cache: a viewer sees exactly what
an uncached rendering would show, with their own controls, language and CSRF
token, and a change to a post shows at once."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from forum import fragments, selectors, services
from forum.models import ReactionKind
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    pori = OrganisationFactory(slug="pori", name_fi="Pori", name_sv="Björneborg")
    porvoo = OrganisationFactory(slug="porvoo", name_fi="Porvoo", name_sv="Borgå")
    category = CategoryFactory(slug="ict")
    author = UserFactory(organisation=pori, handle="liisa", display_name="Liisa Koskinen")
    member = UserFactory(organisation=porvoo, handle="johan", display_name="Johan Berg")
    other = UserFactory(organisation=porvoo, handle="maria", display_name="Maria Lind")
    moderator = UserFactory(organisation=pori, handle="mod", roles=[Role.MODERATOR])
    thread = services.thread_create(
        actor=author, category=category, title="Shared GIS", body="first", publicity="internal"
    )
    for n in range(2, 8):
        services.post_create(actor=member if n % 2 else author, thread=thread, body=f"reply {n}")
    return {
        "author": author,
        "member": member,
        "other": other,
        "moderator": moderator,
        "thread": thread,
    }


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def articles(page: str) -> list[str]:
    return re.findall(r'<article[^>]*id="post-\d+".*?</article>', page, re.S)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def uncached(viewer, thread, language="fi") -> list[str]:
    """Each post as the partial renders it without the cache."""
    from django.utils import translation

    page = selectors.post_page(viewer=viewer, thread=thread, page=1)
    with translation.override(language):
        return [
            render_to_string(
                "forum/thread_detail.html#post",
                {"post": post, "thread": thread, "csrf_token": "x"},
            )
            for post in page.object_list
        ]


def test_a_cached_page_shows_what_an_uncached_rendering_shows(world):
    cache.clear()
    thread = world["thread"]
    services.reaction_toggle(actor=world["author"], post=thread.posts.get(number=2), kind="heart")
    for viewer in (world["member"], world["moderator"]):
        client = client_for(viewer, HTTP_ACCEPT_LANGUAGE="fi")
        first = client.get(thread.get_absolute_url()).content.decode()
        again = client.get(thread.get_absolute_url()).content.decode()
        expected = [without_tokens(html.strip()) for html in uncached(viewer, thread)]
        assert len(expected) == 7
        assert [without_tokens(a) for a in articles(first)] == expected
        assert [without_tokens(a) for a in articles(again)] == expected


def test_each_viewer_gets_their_own_controls_and_reactions(world):
    cache.clear()
    thread = world["thread"]
    reply = thread.posts.get(number=2)
    services.reaction_toggle(actor=world["member"], post=reply, kind=ReactionKind.THUMBS_UP)
    # The member's rendering is cached first; the others must not get it.
    pages = {
        name: client_for(world[name]).get(thread.get_absolute_url()).content.decode()
        for name in ("member", "other", "moderator")
    }
    own = re.findall(r'aria-pressed="true"', articles(pages["member"])[1])
    assert own, "the member's own reaction is marked for the member"
    assert 'aria-pressed="true"' not in articles(pages["other"])[1]
    assert 'data-action="hide"' in articles(pages["moderator"])[1]
    assert 'data-action="hide"' not in articles(pages["other"])[1]
    # The member wrote post 3: they may edit it; the other member may not.
    assert 'data-action="edit"' in articles(pages["member"])[2]
    assert 'data-action="edit"' not in articles(pages["other"])[2]


def test_a_changed_post_shows_at_once(world):
    cache.clear()
    thread = world["thread"]
    client = client_for(world["other"])
    reply = thread.posts.get(number=3)
    assert "reply 3" in client.get(thread.get_absolute_url()).content.decode()
    services.post_edit(actor=world["member"], post=reply, body="reply three, corrected")
    services.reaction_toggle(actor=world["author"], post=reply, kind=ReactionKind.HEART)
    page = client.get(thread.get_absolute_url()).content.decode()
    post = articles(page)[2]
    assert "reply three, corrected" in post
    assert "Liisa Koskinen" in post  # who reacted
    services.post_set_hidden(actor=world["moderator"], post=reply, hidden=True)
    post = articles(client.get(thread.get_absolute_url()).content.decode())[2]
    assert "reply three" not in post
    assert "Moderaattori piilotti tämän viestin." in post


def test_each_language_gets_its_own_rendering(world):
    cache.clear()
    thread = world["thread"]
    world["author"].preferred_language = "sv"
    world["author"].save(update_fields=["preferred_language"])
    finnish = client_for(world["other"])
    swedish = client_for(world["author"])
    fi_page = finnish.get(thread.get_absolute_url()).content.decode()
    sv_page = swedish.get(thread.get_absolute_url()).content.decode()
    assert ", Porvoo</span>" in articles(fi_page)[2]
    assert ", Borgå</span>" in articles(sv_page)[2]
    assert ">Vastaa<" in articles(fi_page)[2]
    assert ">Svara<" in articles(sv_page)[2]


def test_the_forms_in_a_cached_post_carry_the_viewers_own_token(world):
    cache.clear()
    thread = world["thread"]
    reply = thread.posts.get(number=2)
    client_for(world["author"]).get(thread.get_absolute_url())  # fills the cache
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["other"])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert fragments.csrf_placeholder() not in page
    token = re.search(
        rf'action="/forum/p/{reply.pk}/react/".*?name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
        re.S,
    ).group(1)
    response = client.post(
        f"/forum/p/{reply.pk}/react/", {"kind": "heart", "csrfmiddlewaretoken": token}
    )
    assert response.status_code in (200, 302)
    assert reply.reactions.filter(user=world["other"], kind="heart").exists()


def test_a_post_cannot_carry_the_placeholder_that_becomes_a_readers_token(world):
    """The placeholder comes from the secret key: a post that spells out any other
    string keeps it, and no reader's token is written into the post's link."""
    cache.clear()
    thread = world["thread"]
    guessed = "csrf-token-placeholder-5e0b7c"
    services.post_create(
        actor=world["author"], thread=thread, body=f"[lomake](https://example.org/?t={guessed})"
    )
    page = client_for(world["other"]).get(thread.get_absolute_url()).content.decode()
    assert f'href="https://example.org/?t={guessed}"' in page
    with override_settings(SECRET_KEY="another-installation-" + "x" * 40):
        assert fragments.csrf_placeholder.__wrapped__() != fragments.csrf_placeholder()


def renderings(monkeypatch, template_name: str, what) -> list:
    """What each rendering of ``template_name`` by the fragment cache was of, in
    order (``what`` names it from the rendering's context)."""
    rendered = []
    original = fragments.get_template

    def counting(name):
        template = original(name)
        if name == template_name:
            render = template.render

            def tracked(context=None, request=None):
                rendered.append(what(context))
                return render(context, request)

            template.render = tracked
        return template

    monkeypatch.setattr(fragments, "get_template", counting)
    return rendered


def test_a_second_viewer_of_the_same_kind_renders_nothing(world, monkeypatch):
    cache.clear()
    thread = world["thread"]
    client_for(world["other"]).get(thread.get_absolute_url())
    rendered = renderings(monkeypatch, fragments.TEMPLATE, lambda context: context["post"].number)
    viewer = UserFactory(organisation=world["other"].organisation, handle="third")
    client_for(viewer).get(thread.get_absolute_url())
    assert rendered == []
    services.post_create(actor=world["author"], thread=thread, body="one more")
    client_for(viewer).get(thread.get_absolute_url())
    assert rendered == [8]


def test_the_page_works_when_the_cache_is_away(world, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(fragments.cache, "get_many", broken)
    monkeypatch.setattr(fragments.cache, "set_many", broken)
    page = client_for(world["other"]).get(world["thread"].get_absolute_url())
    assert page.status_code == 200
    assert len(articles(page.content.decode())) == 7


def rows(page: str) -> dict[str, str]:
    return dict(
        re.findall(r'<li class="thread-row[^"]*" data-thread-id="(\d+)">(.*?)</li>', page, re.S)
    )


def test_thread_rows_show_each_viewers_reading_state_and_new_activity(world):
    cache.clear()
    thread = world["thread"]
    reader, newcomer = client_for(world["other"]), client_for(world["moderator"])
    for member in ("other", "moderator"):
        services.tracking_set(user=world[member], level="tracking", thread=thread)
    reader.get(thread.get_absolute_url())  # has read all seven posts
    row = rows(reader.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    assert "badge-new" not in row
    assert "7 viestiä" in row
    # Someone who has not opened it sees it unread, though the reader's row is cached.
    assert ">lukematon<" in rows(newcomer.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    services.post_create(actor=world["author"], thread=thread, body="news")
    row = rows(reader.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    assert 'data-new-posts="1"' in row
    assert "8 viestiä" in row


def test_a_list_row_shows_its_people_and_category_as_they_are_now(world):
    """A row's rendering is kept under its people's and category's columns: a name
    changed, or a member anonymised, shows on the next view of the list, though
    the old row is kept in this process and in the cache."""
    from accounts.services import member_anonymise

    cache.clear()
    thread, author = world["thread"], world["author"]
    reader = client_for(world["other"])
    row = rows(reader.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    assert "Liisa Koskinen, Pori" in row
    author.display_name = "Liisa K."
    author.save(update_fields=["display_name"])
    pori = author.organisation
    pori.name_fi = "Porin kaupunki"
    pori.save()
    category = thread.category
    category.name_fi = "Tietohallinto"
    category.save()
    row = rows(reader.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    assert "Liisa K., Porin kaupunki · Tietohallinto" in row
    admin = UserFactory(organisation=pori, handle="admin", roles=[Role.PLATFORM_ADMIN])
    member_anonymise(actor=admin, user=author)
    row = rows(reader.get("/forum/c/ict/").content.decode())[str(thread.pk)]
    assert "Liisa" not in row
    assert "Entinen jäsen (Porin kaupunki), Porin kaupunki" in row


def test_a_list_row_and_the_feed_name_the_author_as_every_page_does(world):
    """A row's author is made of the row's columns: each in its own field, so the
    name shown is the one the member goes by (their display name, else their full
    name, else their username), in the list and in the category's feed alike."""
    author = world["author"]
    author.first_name, author.last_name, author.username = "Liisa", "Koski", "lkoski"
    author.display_name = "Liisa K. (ICT)"
    author.save()
    thread, reader = world["thread"], world["other"]
    client = client_for(reader)
    feed_url = f"/forum/c/ict/feed/{reader.feed_token}/"

    def shown() -> tuple[str, str]:
        row = rows(client.get("/forum/c/ict/").content.decode())[str(thread.pk)]
        name = re.search(r'<div class="meta">([^,<]+)', row).group(1)
        feed = client.get(feed_url).content.decode()
        return name, re.search(r"<author><name>([^<]+)</name>", feed).group(1)

    assert shown() == ("Liisa K. (ICT)", "Liisa K. (ICT)")
    author.display_name = ""
    author.save()
    assert shown() == ("Liisa Koski", "Liisa Koski")
    author.first_name = author.last_name = ""
    author.save()
    assert shown() == ("lkoski", "lkoski")


def test_a_list_read_again_is_rendered_and_fetched_once(world, monkeypatch):
    """The second view of a list takes its rows from the process's copies: no
    rendering and no cache read. A new post renders its thread's row alone, with
    its people (read from the row's own columns, with no query of their own)."""
    cache.clear()
    reader = client_for(world["other"])
    for n in range(3):
        services.thread_create(
            actor=world["member"], category=world["thread"].category, title=f"T{n}", body="x"
        )
    first = reader.get("/forum/c/ict/").content.decode()
    assert len(rows(first)) == 4
    rendered = renderings(
        monkeypatch, fragments.ROW_TEMPLATE, lambda context: context["thread"].title
    )
    read = []
    original_read = fragments.cache.get_many

    def counting_read(keys, *args, **kwargs):
        read.append(len(keys))
        return original_read(keys, *args, **kwargs)

    monkeypatch.setattr(fragments.cache, "get_many", counting_read)
    assert rows(reader.get("/forum/c/ict/").content.decode()) == rows(first)
    assert (rendered, read) == ([], [])
    services.post_create(actor=world["author"], thread=world["thread"], body="news")
    with CaptureQueriesContext(connection) as queries:
        page = reader.get("/forum/c/ict/").content.decode()
    assert (rendered, read) == (["Shared GIS"], [1])
    assert "Liisa Koskinen, Pori" in rows(page)[str(world["thread"].pk)]
    people_read = [
        q for q in queries if re.search(r'FROM "accounts_(user|organisation)"', q["sql"])
    ]
    assert len(people_read) == 1  # the viewer's own account
