"""Thread lists (the forum's index and a category): the live list's refresh
renders the same rows as the page, only those the member may read, and the
pages' query counts are pinned at a small and a large size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from forum import services
from forum.models import Publicity, ReadState, Thread
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.queries import CATEGORY_RULES

pytestmark = pytest.mark.django_db

FRAGMENT = {"HTTP_X_FRAGMENT": "threads"}
# The session, the member with their roles (one query), the notification count;
# the categories' read rules (see tests.queries); the list's length and the
# page's thread ids (kept in the cache in production, forum.list_cache), then
# those threads with their tags and read states, each checked against the read
# rule again (in tests, the rules' queries once more); watching (category). The
# category's page reads its category, and its read organisations from the rules
# (in tests, the rules' queries once more).
INDEX_QUERIES = 8 + 2 * CATEGORY_RULES
CATEGORY_QUERIES = 8 + 3 * CATEGORY_RULES
# The refresh renders the list in the page's shell context: the same queries.
INDEX_FRAGMENT_QUERIES = INDEX_QUERIES
CATEGORY_FRAGMENT_QUERIES = CATEGORY_QUERIES


@pytest.fixture
def member(client):
    user = UserFactory(organisation=OrganisationFactory(slug="pori"))
    client.force_login(user)
    return user


def add_threads(category, author, count: int) -> None:
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(
            category=category,
            title=f"Ketju {n}",
            author=author,
            organisation=author.organisation,
            last_activity_at=now,
            post_count=1,
            last_post_number=1,
        )
        for n in range(count)
    )


def queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured)


def test_list_query_counts_are_pinned_at_a_small_and_a_large_size(client, member):
    category = CategoryFactory(slug="ict")
    services.thread_create(actor=member, category=category, title="Ensimmäinen", body="1")
    small = {
        "index": queries(client, "/forum/"),
        "category": queries(client, "/forum/c/ict/"),
        "index fragment": queries(client, "/forum/", **FRAGMENT),
        "category fragment": queries(client, "/forum/c/ict/", **FRAGMENT),
    }
    add_threads(category, member, 400)
    large = {
        "index": queries(client, "/forum/?page=10"),
        "category": queries(client, "/forum/c/ict/?page=10"),
        "index fragment": queries(client, "/forum/", **FRAGMENT),
        "category fragment": queries(client, "/forum/c/ict/", **FRAGMENT),
    }
    assert (
        small
        == large
        == {
            "index": INDEX_QUERIES,
            "category": CATEGORY_QUERIES,
            "index fragment": INDEX_FRAGMENT_QUERIES,
            "category fragment": CATEGORY_FRAGMENT_QUERIES,
        }
    )


def test_confidential_rows_read_their_audiences_in_one_query(client, member):
    """Each row is checked against the read rule again; a confidential thread's
    audience is part of it, read for the whole page at once."""
    category = CategoryFactory(slug="ict")
    services.thread_create(actor=member, category=category, title="Avoin", body="1")
    plain = queries(client, "/forum/")

    def confidential(first: int, last: int) -> None:
        for n in range(first, last + 1):
            services.thread_create(
                actor=member,
                category=category,
                title=f"Luottamuksellinen {n}",
                body="Vain Pori",
                publicity=Publicity.CONFIDENTIAL,
                audience_organisations=[member.organisation],
            )

    confidential(1, 1)
    assert queries(client, "/forum/") == plain + 1
    confidential(2, 20)
    assert queries(client, "/forum/") == plain + 1
    page = client.get("/forum/").content.decode()
    assert "Luottamuksellinen 20" in page
    assert "Avoin" in page


def test_a_deep_page_lists_its_threads_in_order_with_the_reading_state(client, member):
    """Page 3 of a category: the threads a plain ordering of them all puts there,
    pinned first, each with the member's reading state."""
    category = CategoryFactory(slug="ict")
    add_threads(category, member, 130)
    pinned = Thread.objects.order_by("id")[5]
    Thread.objects.filter(pk=pinned.pk).update(is_pinned=True)
    everything = list(
        Thread.objects.filter(category=category)
        .order_by("-is_pinned", "-last_activity_at", "-id")
        .values_list("pk", flat=True)
    )
    read = everything[70]
    ReadState.objects.create(user=member, thread_id=read, last_read_number=1)
    page = client.get("/forum/c/ict/?page=3").context["page"]
    assert everything[0] == pinned.pk
    assert [t.pk for t in page.object_list] == everything[60:90]
    states = {t.pk: t.last_read_number for t in page.object_list}
    assert states[read] == 1
    assert {n for pk, n in states.items() if pk != read} == {-1}


def test_the_refresh_gives_only_the_list_and_only_readable_threads(client, member):
    """What the banner loads: the list's rows as the page renders them, without the
    page around it; a thread of a category the member may not read is not among
    them, while a member of the steering group gets it (control)."""
    open_category = CategoryFactory(slug="ict")
    steering = CategoryFactory(slug="sg", read_roles=[Role.STEERING_GROUP])
    board = UserFactory(organisation=member.organisation, roles=[Role.STEERING_GROUP])
    services.thread_create(actor=member, category=open_category, title="Avoin ketju", body="1")
    services.thread_create(actor=board, category=steering, title="Hallituksen ketju", body="1")

    response = client.get("/forum/", **FRAGMENT)
    html = response.content.decode()
    assert "X-Fragment" in response["Vary"]
    assert html.lstrip().startswith('<div class="thread-list-area" data-thread-list')
    assert "<html" not in html
    assert "Avoin ketju" in html
    assert "Hallituksen ketju" not in html
    client.force_login(board)
    assert "Hallituksen ketju" in client.get("/forum/", **FRAGMENT).content.decode()
    assert "Hallituksen ketju" in client.get("/forum/c/sg/", **FRAGMENT).content.decode()


def test_only_the_first_unfiltered_page_is_kept_live(client, member):
    category = CategoryFactory(slug="ict")
    services.thread_create(
        actor=member, category=category, title="Merkitty", body="1", tags=["kela"]
    )
    add_threads(category, member, 60)
    assert b"data-live-list" in client.get("/forum/").content
    assert f'data-category="{category.pk}"'.encode() in client.get("/forum/c/ict/").content
    assert b"data-live-list" not in client.get("/forum/?page=2").content
    assert b"data-live-list" not in client.get("/forum/c/ict/?tag=kela").content
    # Without JavaScript the page is whole: rows, pagination, no fragment header needed.
    page = client.get("/forum/c/ict/").content.decode()
    assert "<html" in page
    assert 'class="pagination"' in page


def test_each_row_and_the_thread_page_show_their_own_tags_in_order(client, member):
    category = CategoryFactory(slug="ict")
    tagged = services.thread_create(
        actor=member,
        category=category,
        title="Ajanvaraus",
        body="1",
        tags=["Öljy", "kela", "äänestys", "Ajanvaraus", "zeta", "Åland"],
    )
    services.thread_create(actor=member, category=category, title="Toinen", body="2", tags=["hr"])
    services.thread_create(actor=member, category=category, title="Kolmas", body="3")
    # In Finnish and Swedish alphabetical order, whatever the database's collation.
    order = ["#Ajanvaraus", "#kela", "#zeta", "#Åland", "#äänestys", "#Öljy"]
    rows = client.get("/forum/c/ict/").content.decode()
    row = rows[rows.index(f'data-thread-id="{tagged.pk}"') :]
    row = row[: row.index("</li>")]
    assert sorted(order, key=row.index) == order
    assert "#hr" not in row
    assert rows.count('class="tag"') == 7
    assert "?tag=Ajanvaraus" in rows
    page = client.get(f"/forum/t/{tagged.pk}/").content.decode()
    header = page[page.index('data-thread-part="thread_header"') :][:3000]
    assert sorted(order, key=header.index) == order and "#hr" not in header


def test_a_tag_typed_with_control_characters_is_stored_and_shown_without_them(client, member):
    category = CategoryFactory(slug="ict")
    thread = services.thread_create(
        actor=member, category=category, title="Otsikko", body="1", tags=["kela\x1fpalvelu\t"]
    )
    assert list(thread.tags.names()) == ["kelapalvelu"]
    page = client.get(f"/forum/t/{thread.pk}/").content.decode()
    assert "#kelapalvelu" in page and "?tag=kelapalvelu" in page
