"""A thread list's page is kept in the cache (forum.list_cache): opened again, it is
neither counted nor searched anew, yet every change that adds, removes or moves a
thread shows on the very next view, and no member is shown another's kept list.

These tests commit (``transaction=True``): lists are kept only outside a
transaction, as production requests run."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, UserRole
from forum import services
from forum.models import Publicity, Thread, TrackingLevel
from forum.services.notifications import tracking_set
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    pori = OrganisationFactory(slug="pori", name_fi="Pori", name_sv="Björneborg")
    porvoo = OrganisationFactory(slug="porvoo", name_fi="Porvoo", name_sv="Borgå")
    category = CategoryFactory(slug="ict", name_fi="ICT")
    author = UserFactory(organisation=pori, display_name="Anna Aalto")
    reader = UserFactory(organisation=porvoo, display_name="Olli Ojala")
    moderator = UserFactory(organisation=pori, display_name="Mari Moi", roles=[Role.MODERATOR])
    first = services.thread_create(
        actor=author, category=category, title="Ensimmäinen ketju", body="Alku"
    )
    second = services.thread_create(actor=author, category=category, title="Toinen ketju", body="B")

    def client(user):
        c = Client()
        c.force_login(user)
        return c

    return {
        "pori": pori,
        "porvoo": porvoo,
        "category": category,
        "author": author,
        "reader": reader,
        "moderator": moderator,
        "first": first,
        "second": second,
        "as_author": client(author),
        "as_reader": client(reader),
        "as_moderator": client(moderator),
    }


def listed(client: Client, path: str = "/forum/c/ict/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def order(html: str, *titles: str) -> list[str]:
    return sorted((t for t in titles if t in html), key=html.index)


def test_a_list_opened_again_is_neither_counted_nor_searched(world):
    def searches(queries) -> list[str]:
        threads = [q["sql"] for q in queries if 'FROM "forum_thread"' in q["sql"]]
        # The count, and the page's ids (a statement that ends in its LIMIT).
        return [sql for sql in threads if "COUNT(" in sql or re.search(r"LIMIT \d+$", sql)]

    with CaptureQueriesContext(connection) as first:
        listed(world["as_reader"])
    assert len(searches(first)) == 2  # counted, and the page's ids found
    with CaptureQueriesContext(connection) as again:
        html = listed(world["as_reader"])
    assert order(html, "Ensimmäinen ketju", "Toinen ketju") == ["Toinen ketju", "Ensimmäinen ketju"]
    assert searches(again) == []
    # The rows themselves are read afresh, once.
    rows = [q for q in again if '"forum_thread"."id" IN' in q["sql"]]
    assert len(rows) == 1


def test_a_new_thread_and_a_new_post_show_on_the_next_view(world):
    assert order(listed(world["as_reader"]), "Ensimmäinen ketju", "Toinen ketju")[0] == (
        "Toinen ketju"
    )
    listed(world["as_reader"], "/forum/")
    services.post_create(actor=world["author"], thread=world["first"], body="Nostetaan")
    html = listed(world["as_reader"])
    assert order(html, "Ensimmäinen ketju", "Toinen ketju")[0] == "Ensimmäinen ketju"
    services.thread_create(
        actor=world["author"], category=world["category"], title="Kolmas ketju", body="C"
    )
    for path in ("/forum/c/ict/", "/forum/"):
        html = listed(world["as_reader"], path)
        assert order(html, "Kolmas ketju", "Ensimmäinen ketju", "Toinen ketju") == [
            "Kolmas ketju",
            "Ensimmäinen ketju",
            "Toinen ketju",
        ]


def test_a_hidden_thread_leaves_a_kept_list_at_once(world):
    assert "Toinen ketju" in listed(world["as_reader"])
    assert "Toinen ketju" in listed(world["as_moderator"])
    services.thread_moderate(actor=world["moderator"], thread=world["second"], hidden=True)
    assert "Toinen ketju" not in listed(world["as_reader"])
    assert "Ensimmäinen ketju" in listed(world["as_reader"])
    assert "Toinen ketju" in listed(world["as_moderator"])


def test_members_never_share_a_kept_list(world):
    """A confidential thread kept in its author's list is not in another city's
    member's, and shows in theirs once the audience names their city."""
    secret = services.thread_create(
        actor=world["author"],
        category=world["category"],
        title="Luottamuksellinen ketju",
        body="Vain Pori",
        publicity=Publicity.CONFIDENTIAL,
        audience_organisations=[world["pori"]],
    )
    assert "Luottamuksellinen ketju" in listed(world["as_author"])
    assert "Luottamuksellinen ketju" not in listed(world["as_reader"])
    assert "Toinen ketju" in listed(world["as_reader"])
    services.thread_audience_set(
        actor=world["author"],
        thread=secret,
        publicity=Publicity.CONFIDENTIAL,
        organisations=[world["pori"], world["porvoo"]],
        confirm_widen=True,
    )
    assert "Luottamuksellinen ketju" in listed(world["as_reader"])


def test_a_role_granted_opens_a_restricted_list_at_once(world):
    board = CategoryFactory(slug="ohjausryhma", name_fi="Ohjausryhmä")
    board.read_roles = [Role.STEERING_GROUP]
    board.save()
    steering = UserFactory(organisation=world["pori"], roles=[Role.STEERING_GROUP])
    services.thread_create(actor=steering, category=board, title="Ohjausryhmän asia", body="x")
    assert "Ohjausryhmän asia" in listed(steering_client(steering), "/forum/")
    assert "Ohjausryhmän asia" not in listed(world["as_reader"], "/forum/")
    assert "Toinen ketju" in listed(world["as_reader"], "/forum/")
    UserRole.objects.create(user=world["reader"], role=Role.STEERING_GROUP)
    assert "Ohjausryhmän asia" in listed(world["as_reader"], "/forum/")


def steering_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_tags_and_muting_show_on_the_next_view(world):
    tagged = "/forum/c/ict/?tag=kela"
    assert "Toinen ketju" not in listed(world["as_reader"], tagged)
    services.thread_create(
        actor=world["author"],
        category=world["category"],
        title="Kelan ketju",
        body="k",
        tags=["kela"],
    )
    html = listed(world["as_reader"], tagged)
    assert "Kelan ketju" in html and "Toinen ketju" not in html
    assert "Toinen ketju" in listed(world["as_reader"], "/forum/")
    second = Thread.objects.get(pk=world["second"].pk)
    tracking_set(user=world["reader"], level=TrackingLevel.MUTED, thread=second)
    front = listed(world["as_reader"], "/forum/")
    assert "Toinen ketju" not in front and "Ensimmäinen ketju" in front
    # The category's own page still lists the muted thread.
    assert "Toinen ketju" in listed(world["as_reader"])


def test_a_kept_list_whose_renewal_was_lost_shows_no_thread_made_unreadable(world, monkeypatch):
    """The cache away at the moment a thread is hidden: the kept page still names
    it, and yet the member is not shown it."""
    assert "Toinen ketju" in listed(world["as_reader"])
    monkeypatch.setattr("forum.list_cache.renew", lambda: None)
    services.thread_moderate(actor=world["moderator"], thread=world["second"], hidden=True)
    html = listed(world["as_reader"])
    assert "Toinen ketju" not in html
    assert "Ensimmäinen ketju" in html
    assert "Toinen ketju" in listed(world["as_moderator"])


def test_a_lost_renewal_shows_no_thread_whose_audience_narrowed_or_that_moved(world, monkeypatch):
    """The rows' own check of the read rule covers each part of it: a confidential
    thread's audience narrowed, a thread moved into a category the member may not
    read. Both stay in the lists of those who may read them."""
    secret = services.thread_create(
        actor=world["author"],
        category=world["category"],
        title="Luottamuksellinen ketju",
        body="Pori ja Porvoo",
        publicity=Publicity.CONFIDENTIAL,
        audience_organisations=[world["pori"], world["porvoo"]],
    )
    board = CategoryFactory(slug="pori-ict", name_fi="Porin ICT")
    board.read_organisations.set([world["pori"]])
    front_page = listed(world["as_reader"], "/forum/")
    assert "Luottamuksellinen ketju" in front_page
    assert "Toinen ketju" in front_page
    monkeypatch.setattr("forum.list_cache.renew", lambda: None)
    services.thread_audience_set(
        actor=world["author"],
        thread=secret,
        publicity=Publicity.CONFIDENTIAL,
        organisations=[world["pori"]],
    )
    services.thread_moderate(actor=world["moderator"], thread=world["second"], category=board)
    front_page = listed(world["as_reader"], "/forum/")
    assert "Luottamuksellinen ketju" not in front_page
    assert "Toinen ketju" not in front_page
    assert "Ensimmäinen ketju" in front_page
    front_page = listed(world["as_author"], "/forum/")
    assert "Luottamuksellinen ketju" in front_page
    assert "Toinen ketju" in front_page
