"""Forum pages: constant query counts, forms that keep what was typed, no-JS flows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import Post, Thread
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_thread(category, author, posts: int) -> Thread:
    thread = Thread.objects.create(
        category=category,
        title=f"{posts} posts",
        author=author,
        organisation=author.organisation,
        post_count=posts,
        last_post_number=posts,
    )
    Post.objects.bulk_create(
        Post(
            thread=thread,
            number=n,
            author=author,
            organisation=author.organisation,
            body=f"post {n}",
            html=f"<p>post {n}</p>",
            reaction_counts={"idea": 1},
        )
        for n in range(1, posts + 1)
    )
    return thread


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def member(client):
    user = UserFactory(organisation=OrganisationFactory(slug="pori"))
    client.force_login(user)
    return user


def test_thread_page_queries_do_not_grow_with_posts(client, member):
    category = CategoryFactory(slug="ict")
    small = make_thread(category, member, 10)
    large = make_thread(category, member, 1000)

    small_count = count_queries(client, f"/forum/t/{small.pk}/?page=1")
    large_count = count_queries(client, f"/forum/t/{large.pk}/?page=20")

    assert small_count == large_count
    assert small_count <= 25


def test_thread_list_queries_do_not_grow_with_threads(client, member):
    category = CategoryFactory(slug="ict")
    make_thread(category, member, 1)
    small_count = count_queries(client, f"/forum/c/{category.slug}/")
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(
            category=category,
            title=f"t{n}",
            author=member,
            organisation=member.organisation,
            last_activity_at=now,
        )
        for n in range(2000)
    )
    large_count = count_queries(client, f"/forum/c/{category.slug}/?page=50")
    assert small_count == large_count
    assert count_queries(client, "/forum/") == count_queries(client, "/forum/?page=3")


def test_a_refused_post_keeps_the_text(client, member):
    category = CategoryFactory(slug="ict")
    thread = make_thread(category, member, 1)
    long_text = "x" * 20_001

    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": long_text})

    assert response.status_code == 400
    assert long_text in response.content.decode()
    assert thread.posts.count() == 1


def test_posting_without_javascript_redirects_to_the_post(client, member):
    thread = make_thread(CategoryFactory(slug="ict"), member, 1)

    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": "Toimii ilman JS:ää"})

    assert response.status_code == 302
    page = client.get(response["Location"], follow=True)
    assert "Toimii ilman JS:ää" in page.content.decode()


def test_unread_marker_shows_new_posts_since_last_visit(client, member):
    thread = make_thread(CategoryFactory(slug="ict"), member, 3)
    client.get(f"/forum/t/{thread.pk}/")
    other = UserFactory()
    from forum import services

    services.post_create(actor=other, thread=thread, body="uusi viesti")

    listing = client.get("/forum/").content.decode()
    assert "new posts" in listing or "uusia" in listing.lower()
    page = client.get(f"/forum/t/{thread.pk}/").content.decode()
    assert 'id="new"' in page


def test_feed_needs_a_token_and_leaves_out_confidential_threads(client, member):
    from forum import services

    category = CategoryFactory(slug="ict")
    services.thread_create(
        actor=member, category=category, title="Julkinen asia", body="x", publicity="public"
    )
    services.thread_create(
        actor=member, category=category, title="Salainen asia", body="x", publicity="confidential"
    )
    client.logout()

    assert client.get("/forum/c/ict/feed/wrong-token/").status_code == 404
    feed = client.get(f"/forum/c/ict/feed/{member.feed_token}/")
    assert feed.status_code == 200
    body = feed.content.decode()
    assert "Julkinen asia" in body
    assert "Salainen asia" not in body
