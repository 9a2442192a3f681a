"""Bad input gets a clear answer and loses nothing; the renderer lets no script through."""

import re

import pytest
from django.db import DatabaseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.markdown import render
from forum.models import Post
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

DANGEROUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{}</style>",
    '<div style="x">y</div>',
    "![x](javascript:alert(1))",
    "<iframe src=//evil>",
    "[x](JaVaScRiPt:alert(1))",
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<p onclick=x>y</p>",
    "javascript:alert(1)",
    "`<script>`",
    "<<script>script>alert(1)<</script>/script>",
]


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<style" not in lowered
    assert "<iframe" not in lowered
    assert not re.search(r"<[^>]*\son\w+\s*=", lowered)
    assert not re.search(r"""<[^>]*(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", lowered)
    assert not re.search(r"<[^>]*\sstyle\s*=", lowered)


@given(st.lists(st.one_of(st.sampled_from(DANGEROUS), st.text(max_size=40)), max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_script_handler_javascript_url_or_style_survives(parts):
    assert_safe(render("".join(parts)).html)


@given(st.text(max_size=500))
@settings(max_examples=300, deadline=None)
def test_any_text_renders(text):
    assert_safe(render(text).html)


def test_links_are_marked_nofollow_ugc_noopener():
    html = render("[site](https://example.org)").html
    assert 'rel="nofollow ugc noopener"' in html


@pytest.mark.django_db
def test_a_database_refusing_the_write_keeps_the_text(client, monkeypatch):
    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    from forum import services

    thread = services.thread_create(
        actor=member, category=CategoryFactory(slug="ict"), title="T", body="first"
    )
    client.force_login(member)

    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services.posts, "attachments_store", refuse)
    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": "Tärkeä viesti, ei saa kadota"})

    assert response.status_code == 503
    assert "Tärkeä viesti, ei saa kadota" in response.content.decode()
    assert "could not be saved" in response.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1  # nothing half-written


@pytest.mark.django_db
def test_posting_too_fast_is_refused_and_keeps_the_text(client, settings):
    from accounts import ratelimit

    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    from forum import services

    thread = services.thread_create(
        actor=member, category=CategoryFactory(slug="ict"), title="T", body="first"
    )
    client.force_login(member)
    allowed, _window = ratelimit.LIMITS["post"]
    statuses = [
        client.post(f"/forum/t/{thread.pk}/reply/", {"body": f"viesti {n}"}).status_code
        for n in range(allowed)
    ]
    assert set(statuses) == {302}
    response = client.post(f"/forum/t/{thread.pk}/reply/", {"body": "liian nopea"})
    assert response.status_code == 429
    assert "liian nopea" in response.content.decode()


@pytest.mark.django_db
def test_overlong_fields_get_clear_errors(client):
    member = UserFactory(organisation=OrganisationFactory(slug="pori"))
    CategoryFactory(slug="ict")
    client.force_login(member)
    response = client.post(
        "/forum/c/ict/new/", {"title": "x" * 500, "body": "ok", "publicity": "internal"}
    )
    assert response.status_code == 400
    assert "x" * 500 in response.content.decode()
