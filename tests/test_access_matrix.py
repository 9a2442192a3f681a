"""Every URL of the platform against every kind of user.

A URL name without an entry here fails the suite: a new view must state who may
use it. Outcomes: 200 shown, 302 sent to sign in (or onwards), 404 hidden,
403 refused, 405 wrong method (the page exists, reading it by GET is not a thing).
"""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role
from forum import services as forum_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = ["anonymous", "expert_a", "expert_b", "ict_lead", "steering", "moderator", "admin"]
NAMESPACES = {"accounts", "forum", "needs", "search"}
# allauth, Wagtail and Django admin are outside these namespaces and bring their own checks.
EXEMPT: set[str] = set()


def all_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace in NAMESPACES:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def world():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    hameenlinna = OrganisationFactory(slug="hameenlinna")
    users = {
        "expert_a": UserFactory(organisation=pori),
        "expert_b": UserFactory(organisation=porvoo),
        "ict_lead": UserFactory(organisation=pori, roles=[Role.ICT_LEAD]),
        "steering": UserFactory(organisation=hameenlinna, roles=[Role.STEERING_GROUP]),
        "moderator": UserFactory(organisation=porvoo, roles=[Role.MODERATOR]),
        "admin": UserFactory(organisation=hameenlinna, roles=[Role.PLATFORM_ADMIN]),
    }
    open_category = CategoryFactory(slug="open")
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    public = forum_services.thread_create(
        actor=users["expert_a"],
        category=open_category,
        title="Public",
        body="x",
        publicity="public",
    )
    internal = forum_services.thread_create(
        actor=users["expert_a"],
        category=open_category,
        title="Internal",
        body="x",
        publicity="internal",
    )
    secret = forum_services.thread_create(
        actor=users["steering"], category=board, title="Board", body="x", publicity="confidential"
    )
    reply = forum_services.post_create(actor=users["expert_b"], thread=public, body="reply")
    forum_services.flag_create(actor=users["expert_b"], post=public.posts.first(), reason="r")
    from forum.models import Flag
    from needs_registry import services as need_services

    need_data = {"title": "Shared need", "problem": "p", "desired_outcome": "o", "domain": "ict"}
    need = need_services.need_create(actor=users["ict_lead"], data=need_data)
    need = need_services.need_transition(actor=users["ict_lead"], need=need, to_status="submitted")
    draft = need_services.need_create(
        actor=users["expert_a"], data={**need_data, "title": "Pori draft"}
    )
    now = timezone.now()
    round_ = need_services.round_open(
        actor=users["steering"],
        title="R",
        needs=[need],
        points_per_city=10,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    meeting = need_services.meeting_create(actor=users["steering"], title="M", held_on=now.date())

    return {
        "need": need,
        "draft": draft,
        "round": round_,
        "meeting": meeting,
        "users": users,
        "public": public,
        "internal": internal,
        "secret": secret,
        "reply": reply,
        "open": open_category,
        "board": board,
        "flag": Flag.objects.get(),
        "pori": pori,
    }


def everyone(status):
    return dict.fromkeys(KINDS, status)


def members(status, anonymous=302):
    return {**dict.fromkeys(KINDS, status), "anonymous": anonymous}


# name -> (url builder, expected outcome per kind)
MATRIX = {
    "accounts:member_directory": (lambda w: "/members/", members(200)),
    "accounts:member_detail": (lambda w: f"/members/{w['users']['expert_b'].pk}/", members(200)),
    "accounts:profile_edit": (lambda w: "/profile/", members(200)),
    "accounts:feed_token_renew": (lambda w: "/profile/feed-token/", members(405)),
    "accounts:my_data": (lambda w: "/profile/data.json", members(200)),
    "accounts:audit_log": (lambda w: "/audit/", {**members(404), "admin": 200}),
    "forum:index": (lambda w: "/forum/", everyone(200)),
    "forum:category_detail": (
        lambda w: "/forum/c/board/",
        {**everyone(404), "steering": 200, "moderator": 200, "admin": 200},
    ),
    "forum:thread_create": (lambda w: "/forum/c/open/new/", members(200)),
    "forum:category_watch": (lambda w: "/forum/c/open/watch/", members(405)),
    "forum:category_feed": (
        lambda w: f"/forum/c/open/feed/{w['users']['expert_b'].feed_token}/",
        everyone(200),
    ),
    "forum:thread_detail": (
        lambda w: f"/forum/t/{w['secret'].pk}/",
        {**everyone(404), "steering": 200, "moderator": 200, "admin": 200},
    ),
    "forum:post_create": (lambda w: f"/forum/t/{w['internal'].pk}/reply/", members(302)),
    "forum:draft_save": (lambda w: f"/forum/t/{w['internal'].pk}/draft/", members(405)),
    "forum:thread_read": (lambda w: f"/forum/t/{w['internal'].pk}/read/", members(405)),
    "forum:thread_watch": (lambda w: f"/forum/t/{w['internal'].pk}/watch/", members(405)),
    "forum:thread_moderate": (lambda w: f"/forum/t/{w['internal'].pk}/moderate/", members(405)),
    "forum:thread_events": (
        lambda w: f"/forum/t/{w['internal'].pk}/events/",
        {**everyone(200), "anonymous": 404},
    ),
    "forum:post_permalink": (lambda w: f"/forum/p/{w['reply'].pk}/", everyone(302)),
    "forum:post_edit": (
        lambda w: f"/forum/p/{w['reply'].pk}/edit/",
        {**members(403), "expert_b": 200, "moderator": 200, "admin": 200},
    ),
    "forum:post_delete": (
        lambda w: f"/forum/p/{w['reply'].pk}/delete/",
        {**members(403), "expert_b": 200, "moderator": 200, "admin": 200},
    ),
    "forum:post_react": (lambda w: f"/forum/p/{w['reply'].pk}/react/", members(405)),
    "forum:post_flag": (
        lambda w: f"/forum/p/{w['reply'].pk}/flag/",
        {**members(200), "expert_b": 403},
    ),
    "forum:post_hide": (lambda w: f"/forum/p/{w['reply'].pk}/hide/", members(405)),
    "forum:post_solution": (lambda w: f"/forum/p/{w['reply'].pk}/solution/", members(405)),
    "forum:post_history": (lambda w: f"/forum/p/{w['reply'].pk}/history/", everyone(200)),
    "forum:notifications": (lambda w: "/forum/notifications/", members(200)),
    "forum:moderation_queue": (
        lambda w: "/forum/moderation/",
        {**members(404), "moderator": 200, "admin": 200},
    ),
    "forum:flag_dismiss": (
        lambda w: f"/forum/moderation/flags/{w['flag'].pk}/dismiss/",
        members(405),
    ),
    "needs:need_list": (lambda w: "/needs/", everyone(200)),
    "needs:need_detail": (
        lambda w: f"/needs/{w['draft'].pk}/",
        {**everyone(404), "expert_a": 200, "ict_lead": 200, "admin": 200},
    ),
    "needs:backlog_board": (lambda w: "/needs/board/", members(200)),
    "needs:need_create": (lambda w: "/needs/new/", members(200)),
    "needs:similar_needs": (lambda w: "/needs/similar/?title=need", everyone(200)),
    "needs:need_edit": (
        lambda w: f"/needs/{w['need'].pk}/edit/",
        {**members(403), "ict_lead": 200},
    ),
    "needs:need_transition": (lambda w: f"/needs/{w['need'].pk}/transition/", members(405)),
    "needs:need_merge": (lambda w: f"/needs/{w['need'].pk}/merge/", members(405)),
    "needs:city_position": (
        lambda w: f"/needs/{w['need'].pk}/position/",
        {**members(403), "ict_lead": 200},
    ),
    "needs:commitment": (lambda w: f"/needs/{w['need'].pk}/commitment/", members(405)),
    "needs:city_vote": (lambda w: f"/needs/{w['need'].pk}/vote/", members(405)),
    "needs:support": (lambda w: f"/needs/{w['need'].pk}/support/", members(405)),
    "needs:follow": (lambda w: f"/needs/{w['need'].pk}/follow/", members(405)),
    "needs:production": (lambda w: f"/needs/{w['need'].pk}/production/", members(405)),
    "needs:dependencies": (lambda w: f"/needs/{w['need'].pk}/dependencies/", members(405)),
    "needs:attachment_add": (lambda w: f"/needs/{w['need'].pk}/attachments/", members(405)),
    "needs:round_list": (lambda w: "/needs/rounds/", members(200)),
    "needs:round_detail": (lambda w: f"/needs/rounds/{w['round'].pk}/", members(200)),
    "needs:round_close": (lambda w: f"/needs/rounds/{w['round'].pk}/close/", members(405)),
    "needs:meeting_list": (lambda w: "/needs/meetings/", members(200)),
    "needs:meeting_detail": (lambda w: f"/needs/meetings/{w['meeting'].pk}/", members(200)),
    "needs:yearly_report": (lambda w: "/needs/reports/yearly/", members(200)),
    "search:search": (lambda w: "/search/?q=board", everyone(200)),
    "search:suggest": (lambda w: "/search/suggest/?q=board", everyone(200)),
    "search:health": (lambda w: "/search/health/", {**members(404), "admin": 200}),
}


def test_every_url_has_an_entry():
    missing = all_url_names() - set(MATRIX) - EXEMPT
    assert not missing, f"URLs without an access matrix entry: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, world, name):
    build, expected = MATRIX[name]
    url = build(world)
    outcomes = {}
    for kind in KINDS:
        client.logout()
        if kind != "anonymous":
            client.force_login(world["users"][kind])
        outcomes[kind] = client.get(url).status_code
    assert outcomes == expected


def test_restricted_threads_leak_nowhere(client, world):
    for kind in ["anonymous", "expert_a", "expert_b", "ict_lead"]:
        client.logout()
        if kind != "anonymous":
            client.force_login(world["users"][kind])
        for url in [
            "/forum/",
            "/forum/c/open/",
            "/search/?q=board",
            "/search/suggest/?q=board",
            f"/forum/c/open/feed/{world['users']['expert_a'].feed_token}/",
        ]:
            assert "Board" not in client.get(url).content.decode(), (kind, url)
    for kind in ["anonymous", "expert_b", "steering"]:
        client.logout()
        if kind != "anonymous":
            client.force_login(world["users"][kind])
        for url in ["/needs/", "/needs/board/", "/api/needs", "/search/?q=draft"]:
            assert "Pori draft" not in client.get(url).content.decode(), (kind, url)
    client.logout()
    assert "Internal" not in client.get("/forum/").content.decode()
    assert "Public" in client.get("/forum/").content.decode()
