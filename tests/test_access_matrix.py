"""Every URL of the platform against every kind of user, by GET and by POST.

Every URL pattern of the project has an entry here (all namespaces, the
open-data API, the root-level sign-in and sign-out, allauth's pages, the
events endpoint, downloads): a pattern without one fails the suite, so a new
view must state who may use it. Each entry gives the outcome of a GET and of
a POST carrying a valid CSRF token, for every kind of user. Outcomes: 200
shown, "login" sent to sign in, 302 sent onwards, 400 refused as bad input,
403 refused, 404 hidden, 405 wrong method, 410 gone.

Wagtail's and Django's back offices bring their own checks; a separate test
walks every one of their patterns and asserts that nobody but a platform admin
gets through.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import Role
from budget import services as budget_services
from forum import services as forum_services
from needs_registry import services as needs_services
from steering import services as steering_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory
from tests.forum.test_attachments import PDF, PNG
from tests.forum.test_composer import picture

pytestmark = pytest.mark.django_db

KINDS = ["anonymous", "expert_a", "expert_b", "ict_lead", "steering", "moderator", "admin"]
BACK_OFFICES = ("admin/", "django-admin/")


def all_url_keys() -> set[str]:
    """Every pattern outside the back offices: "namespace:name", "name", or its route."""
    keys = set()

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and not route.startswith(BACK_OFFICES):
                if pattern.name:
                    keys.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    keys.add(route)

    walk(get_resolver().url_patterns)
    return keys


def back_office_urls() -> list[str]:
    """Every back-office pattern, its parameters filled with something plausible."""
    urls = []

    def fill(route: str) -> str:
        route = re.sub(r"<int:[^>]+>", "1", route)
        route = re.sub(r"<[^>]+>", "x", route)
        route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
        route = re.sub(r"\([^)]*\)", "1", route)
        return "/" + route.replace("^", "").replace("$", "").replace("\\", "")

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith(BACK_OFFICES):
                urls.append(fill(route))

    walk(get_resolver().url_patterns)
    return sorted(set(urls))


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
        "admin": UserFactory(
            organisation=hameenlinna,
            roles=[Role.PLATFORM_ADMIN],
            is_staff=True,
            is_superuser=True,  # as the IAM sign-in maps the platform admin role
        ),
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
    # The reply's notifications are sent by a task that runs once the post commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
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
    meeting = steering_services.meeting_create(
        actor=users["steering"], title="M", held_on=now.date()
    )
    item = steering_services.agenda_item_add(
        actor=users["steering"], meeting=meeting, kind="other", title="Budget"
    )
    ballot = steering_services.ballot_open(
        actor=users["steering"], title="E", proposal="p", closes_at=now + timedelta(days=3)
    )

    return {
        "need": need,
        "draft": draft,
        "round": round_,
        "meeting": meeting,
        "item": item,
        "ballot": ballot,
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


def with_budget(w, url: str) -> str:
    """The consortium's budget, set up by a project coordinator."""
    if "budget" not in w:
        coordinator = UserFactory(organisation=w["pori"], roles=[Role.PROJECT_COORDINATOR])
        w["budget"] = budget_services.budget_create(
            actor=coordinator,
            name="B",
            starts_on=date(2026, 8, 1),
            ends_on=date(2029, 7, 31),
            total_cents=52_000_000,
            external_share=Decimal("0.5"),
        )
        budget_services.participation_add(
            actor=coordinator,
            budget=w["budget"],
            organisation=w["pori"],
            joined_on=date(2026, 8, 1),
        )
    return url


def need_cost(w) -> int:
    """A cost of Pori's submitted need, recorded by Pori's ICT lead."""
    cost = budget_services.need_cost_save(
        actor=w["users"]["ict_lead"],
        need=w["need"],
        data={"kind": "tendering", "payer": "cities", "estimated_cents": 100_000},
    )
    return cost.pk


def everyone(status):
    return dict.fromkeys(KINDS, status)


def members(status, anonymous="login"):
    return {**dict.fromkeys(KINDS, status), "anonymous": anonymous}


def own_notification(w) -> int:
    from notifications.models import Notification

    return Notification.objects.get(user=w["users"]["expert_a"], kind="forum.reply").pk


def board_attachment_url(w) -> str:
    """A file attached to a post of the steering group's confidential thread."""
    post = forum_services.post_create(
        actor=w["users"]["steering"],
        thread=w["secret"],
        body="liite",
        uploads=[SimpleUploadedFile("a.png", PNG)],
    )
    return post.attachments.get().get_absolute_url()


def board_picture_thumbnail_url(w) -> str:
    """The thumbnail of a picture attached in the steering group's confidential thread."""
    post = forum_services.post_create(
        actor=w["users"]["steering"], thread=w["secret"], body="kuva", uploads=[picture()]
    )
    return post.attachments.get().get_thumbnail_url()


def board_poll(w):
    """A poll in the steering group's confidential thread, its results shown live."""
    return forum_services.poll_create(
        actor=w["users"]["steering"], thread=w["secret"], question="Q", options=["A", "B"]
    )


def draft_attachment_url(w) -> str:
    """A file attached to Pori's draft need."""
    upload = SimpleUploadedFile("a.pdf", PDF)
    actor = w["users"]["expert_a"]
    attachment = needs_services.need_attachment_add(actor=actor, need=w["draft"], upload=upload)
    return attachment.get_absolute_url()


def draft_minutes_attachment_url(w) -> str:
    """A file attached to minutes not yet approved."""
    steering = w["users"]["steering"]
    minutes = steering_services.minutes_save(
        actor=steering, meeting=w["meeting"], text="x", publicity="public"
    )
    upload = SimpleUploadedFile("a.pdf", PDF)
    attachment = steering_services.minutes_attachment_add(
        actor=steering, minutes=minutes, upload=upload
    )
    return attachment.get_absolute_url()


def calendar_token(w) -> str:
    return steering_services.calendar_token_renew(actor=w["users"]["expert_b"]).token


# key -> (url builder, outcome of a GET per kind, outcome of a POST per kind)
MATRIX = {
    "budget:overview": (
        lambda w: with_budget(w, "/budget/"),
        members(200),
        members(405),
    ),
    "budget:what_if": (
        lambda w: with_budget(w, "/budget/what-if/"),
        members(200),
        members(405),
    ),
    "budget:settings": (
        lambda w: with_budget(w, "/budget/settings/"),
        members(403),
        members(403),
    ),
    "budget:payment_create": (
        lambda w: with_budget(w, "/budget/payments/"),
        members(405),
        members(403),
    ),
    "budget:need_cost_create": (
        lambda w: f"/budget/needs/{w['need'].pk}/costs/new/",
        {**members(403), "ict_lead": 200},
        {**members(403), "ict_lead": 400},
    ),
    "budget:need_cost_edit": (
        lambda w: f"/budget/costs/{need_cost(w)}/",
        {**members(403), "ict_lead": 200},
        {**members(403), "ict_lead": 400},
    ),
    "budget:procurement_plan_edit": (
        lambda w: f"/budget/needs/{w['need'].pk}/procurement/",
        {**members(403), "ict_lead": 200},
        {**members(403), "ict_lead": 400},
    ),
    # The steering group and the other members see every city's report of the year;
    # an ICT lead is taken to their own city's.
    "budget:report_year": (
        lambda w: with_budget(w, "/budget/reports/2026/"),
        {**members(200), "ict_lead": 302},
        members(405),
    ),
    # Every member reads a city's report; only its ICT lead (or substitute) writes it.
    "budget:report_detail": (
        lambda w: with_budget(w, "/budget/reports/2026/pori/"),
        members(200),
        {**members(403), "ict_lead": 302},
    ),
    # Only the project coordinator, who is none of these, approves or returns one.
    "budget:report_approve": (
        lambda w: with_budget(w, "/budget/reports/2026/pori/approve/"),
        members(405),
        members(403),
    ),
    "budget:report_return": (
        lambda w: with_budget(w, "/budget/reports/2026/pori/return/"),
        members(405),
        members(403),
    ),
    "budget:report_xlsx": (
        lambda w: with_budget(w, "/budget/reports/2026/pori.xlsx"),
        members(200),
        members(405),
    ),
    "budget:report_pdf": (
        lambda w: with_budget(w, "/budget/reports/2026/pori.pdf"),
        members(200),
        members(405),
    ),
    "accessibility_statement": (
        lambda w: "/accessibility/",
        everyone(200),
        everyone(405),
    ),
    "account_inactive": (
        lambda w: "/accounts/inactive/",
        everyone(200),
        everyone(405),
    ),
    "account_login": (
        lambda w: "/accounts/login/",
        members(302, anonymous=200),
        everyone(403),
    ),
    "account_logout": (
        lambda w: "/accounts/logout/",
        everyone(200),
        everyone(302),
    ),
    "accounts/logout/": (
        lambda w: "/accounts/logout/",
        everyone(200),
        everyone(302),
    ),
    "accounts/social/connections/": (
        lambda w: "/accounts/social/connections/",
        everyone(302),
        everyone(302),
    ),
    "accounts/social/login/cancelled/": (
        lambda w: "/accounts/social/login/cancelled/",
        everyone(302),
        everyone(302),
    ),
    "accounts/social/login/error/": (
        lambda w: "/accounts/social/login/error/",
        everyone(302),
        everyone(302),
    ),
    "accounts/social/signup/": (
        lambda w: "/accounts/social/signup/",
        everyone(302),
        everyone(302),
    ),
    "accounts:audit_log": (
        lambda w: "/audit/",
        {**members(404), "admin": 200},
        {**members(404), "admin": 200},
    ),
    "accounts:feed_token_renew": (
        lambda w: "/profile/feed-token/",
        members(405),
        members(302),
    ),
    "accounts:member_detail": (
        lambda w: f"/members/{w['users']['expert_b'].pk}/",
        members(200),
        members(200),
    ),
    "accounts:member_directory": (
        lambda w: "/members/",
        members(200),
        members(200),
    ),
    "accounts:my_data": (
        lambda w: "/profile/data.json",
        members(200),
        members(200),
    ),
    "accounts:profile_edit": (
        lambda w: "/profile/",
        members(200),
        members(200),
    ),
    "api:api-root": (
        lambda w: "/api/",
        everyone(404),
        everyone(404),
    ),
    "api:get_budget": (
        lambda w: with_budget(w, "/api/budget"),
        everyone(200),
        everyone(405),
    ),
    "api:list_shares": (
        lambda w: with_budget(w, "/api/budget/shares"),
        everyone(200),
        everyone(405),
    ),
    "api:get_need": (
        lambda w: f"/api/needs/{w['draft'].pk}",
        everyone(404),
        everyone(405),
    ),
    "api:list_needs": (
        lambda w: "/api/needs",
        everyone(200),
        everyone(405),
    ),
    "api:list_meetings": (
        lambda w: "/api/meetings",
        everyone(200),
        everyone(405),
    ),
    "api:list_decisions": (
        lambda w: "/api/decisions",
        everyone(200),
        everyone(405),
    ),
    "api:openapi-json": (
        lambda w: "/api/openapi.json",
        everyone(200),
        everyone(200),
    ),
    "api:openapi-view": (
        lambda w: "/api/docs",
        everyone(200),
        everyone(200),
    ),
    "backchannel_logout": (
        lambda w: "/accounts/oidc/backchannel-logout/",
        everyone(405),
        everyone(400),
    ),
    "forum:category_detail": (
        lambda w: "/forum/c/board/",
        # Least privilege: the moderator and platform admin roles alone read nothing restricted.
        {**everyone(404), "steering": 200},
        {**everyone(404), "steering": 200},
    ),
    "forum:attachment_download": (
        board_attachment_url,
        {**everyone(404), "steering": 200},
        everyone(405),
    ),
    "forum:attachment_thumbnail": (
        lambda w: board_picture_thumbnail_url(w),
        {**everyone(404), "steering": 200},
        everyone(405),
    ),
    "forum:poll_create": (
        lambda w: f"/forum/t/{w['internal'].pk}/polls/new/",
        {**members(403), "expert_a": 200, "moderator": 200, "admin": 200},
        {**members(403), "expert_a": 400, "moderator": 400, "admin": 400},
    ),
    "forum:poll_vote": (
        lambda w: f"/forum/polls/{board_poll(w).pk}/vote/",
        members(405),
        {**members(404), "steering": 400},
    ),
    "forum:poll_export": (
        lambda w: f"/forum/polls/{board_poll(w).pk}/export.csv",
        {**members(404), "steering": 200},
        members(405),
    ),
    "forum:mention_candidates": (
        lambda w: "/forum/mentions/?q=a",
        members(200),
        members(405),
    ),
    "forum:keyboard_help": (
        lambda w: "/forum/keyboard/",
        everyone(200),
        everyone(405),
    ),
    "forum:post_preview": (
        lambda w: "/forum/preview/",
        members(405),
        members(200),
    ),
    "forum:thread_draft_save": (
        lambda w: "/forum/new/draft/",
        members(405),
        members(200),
    ),
    "forum:thread_start": (
        lambda w: "/forum/new/",
        members(200),
        members(400),
    ),
    "forum:category_feed": (
        lambda w: f"/forum/c/open/feed/{w['users']['expert_b'].feed_token}/",
        everyone(200),
        everyone(200),
    ),
    "forum:category_tracking": (
        lambda w: "/forum/c/open/tracking/",
        members(405),
        members(302),
    ),
    "forum:draft_save": (
        lambda w: f"/forum/t/{w['internal'].pk}/draft/",
        members(405),
        members(200),
    ),
    "forum:flag_dismiss": (
        lambda w: f"/forum/moderation/flags/{w['flag'].pk}/dismiss/",
        members(405),
        {**members(404), "moderator": 302},
    ),
    "forum:index": (
        lambda w: "/forum/",
        everyone(200),
        everyone(200),
    ),
    "forum:moderation_queue": (
        lambda w: "/forum/moderation/",
        {**members(404), "moderator": 200, "admin": 200},
        {**members(404), "moderator": 200, "admin": 200},
    ),
    "notifications:list": (
        lambda w: "/notifications/",
        members(200),
        members(405),
    ),
    "notifications:mark_all_read": (
        lambda w: "/notifications/read/",
        members(405),
        members(302),
    ),
    # Expert A's notification of the reply in their thread: theirs alone.
    "notifications:mute_list": (
        lambda w: "/notifications/muted/",
        members(200),
        members(405),
    ),
    "notifications:mute_set": (
        lambda w: f"/notifications/muted/{w['users']['expert_a'].pk}/",
        members(405),
        {**members(302), "expert_a": 404},  # nobody mutes themselves
    ),
    "notifications:open": (
        lambda w: f"/notifications/{own_notification(w)}/",
        {**members(404), "expert_a": 302},
        {**members(404), "expert_a": 302},
    ),
    "notifications:mark_read": (
        lambda w: f"/notifications/{own_notification(w)}/read/",
        members(405),
        {**members(404), "expert_a": 302},
    ),
    "forum:post_create": (
        lambda w: f"/forum/t/{w['internal'].pk}/reply/",
        members(302),
        members(400),
    ),
    "forum:post_delete": (
        lambda w: f"/forum/p/{w['reply'].pk}/delete/",
        {**members(403), "expert_b": 200, "moderator": 200, "admin": 200},
        {**members(403), "expert_b": 302},
    ),
    "forum:post_edit": (
        lambda w: f"/forum/p/{w['reply'].pk}/edit/",
        {**members(403), "expert_b": 200, "moderator": 200, "admin": 200},
        {**members(403), "expert_b": 400, "moderator": 400, "admin": 400},
    ),
    "forum:post_flag": (
        lambda w: f"/forum/p/{w['reply'].pk}/flag/",
        {**members(200), "expert_b": 403},
        {**members(400), "expert_b": 403},
    ),
    "forum:post_hide": (
        lambda w: f"/forum/p/{w['reply'].pk}/hide/",
        members(405),
        {**members(403), "moderator": 302, "admin": 302},
    ),
    "forum:post_history": (
        lambda w: f"/forum/p/{w['reply'].pk}/history/",
        everyone(200),
        everyone(200),
    ),
    "forum:thread_fragments": (
        lambda w: f"/forum/t/{w['reply'].thread_id}/fragments/?posts={w['reply'].pk}&state=1",
        everyone(200),
        everyone(405),
    ),
    "forum:post_permalink": (
        lambda w: f"/forum/p/{w['reply'].pk}/",
        everyone(302),
        everyone(302),
    ),
    "forum:post_react": (
        lambda w: f"/forum/p/{w['reply'].pk}/react/",
        members(405),
        members(400),
    ),
    "forum:post_solution": (
        lambda w: f"/forum/p/{w['reply'].pk}/solution/",
        members(405),
        {**members(302), "expert_b": 403, "ict_lead": 403, "steering": 403},
    ),
    "forum:thread_create": (
        lambda w: "/forum/c/open/new/",
        members(200),
        members(400),
    ),
    "forum:thread_detail": (
        lambda w: f"/forum/t/{w['secret'].pk}/",
        # Least privilege: the moderator and platform admin roles alone read nothing restricted.
        {**everyone(404), "steering": 200},
        {**everyone(404), "steering": 200},
    ),
    "forum:thread_events": (
        lambda w: f"/forum/t/{w['internal'].pk}/events/",
        members(200, anonymous=404),
        members(200, anonymous=404),
    ),
    "forum:thread_moderate": (
        lambda w: f"/forum/t/{w['internal'].pk}/moderate/",
        members(405),
        members(400),
    ),
    "forum:thread_read": (
        lambda w: f"/forum/t/{w['internal'].pk}/read/",
        members(405),
        members(200),
    ),
    "forum:thread_tracking": (
        lambda w: f"/forum/t/{w['internal'].pk}/tracking/",
        members(405),
        members(302),
    ),
    "healthz": (
        lambda w: "/healthz",
        everyone(200),
        everyone(200),
    ),
    "iam_login": (
        lambda w: "/accounts/oidc/iam/login/",
        everyone(405),
        everyone(503),
    ),
    "javascript-catalog": (
        lambda w: "/jsi18n/",
        everyone(200),
        everyone(405),
    ),
    "needs:attachment_add": (
        lambda w: f"/needs/{w['need'].pk}/attachments/",
        members(405),
        members(302),
    ),
    "needs:attachment_download": (
        draft_attachment_url,
        {**everyone(404), "expert_a": 200, "ict_lead": 200},
        everyone(405),
    ),
    "needs:backlog_board": (
        lambda w: "/needs/board/",
        members(200),
        members(200),
    ),
    "needs:city_position": (
        lambda w: f"/needs/{w['need'].pk}/position/",
        {**members(403), "ict_lead": 200},
        {**members(403), "ict_lead": 400},
    ),
    "needs:city_vote": (
        lambda w: f"/needs/{w['need'].pk}/vote/",
        members(405),
        {**members(403), "ict_lead": 302},
    ),
    "needs:commitment": (
        lambda w: f"/needs/{w['need'].pk}/commitment/",
        members(405),
        members(400),
    ),
    "needs:dependencies": (
        lambda w: f"/needs/{w['need'].pk}/dependencies/",
        members(405),
        {**members(403), "ict_lead": 302},
    ),
    "needs:follow": (
        lambda w: f"/needs/{w['need'].pk}/follow/",
        members(405),
        members(302),
    ),
    # Old addresses of the meeting pages, which moved to the steering group's pages.
    "needs:meeting_detail": (
        lambda w: f"/needs/meetings/{w['meeting'].pk}/",
        everyone(302),
        everyone(302),
    ),
    "needs:meeting_list": (
        lambda w: "/needs/meetings/",
        everyone(302),
        everyone(302),
    ),
    "needs:need_create": (
        lambda w: "/needs/new/",
        members(200),
        members(400),
    ),
    "needs:need_detail": (
        lambda w: f"/needs/{w['draft'].pk}/",
        # A draft is its city's alone: a platform admin of another city does not see it
        # here, as in the lists and in search.
        {**everyone(404), "expert_a": 200, "ict_lead": 200},
        {**everyone(404), "expert_a": 200, "ict_lead": 200},
    ),
    "needs:need_edit": (
        lambda w: f"/needs/{w['need'].pk}/edit/",
        {**members(403), "ict_lead": 200},
        {**members(403), "ict_lead": 400},
    ),
    "needs:need_list": (
        lambda w: "/needs/",
        everyone(200),
        everyone(200),
    ),
    "needs:need_merge": (
        lambda w: f"/needs/{w['need'].pk}/merge/",
        members(405),
        members(302),
    ),
    "needs:need_transition": (
        lambda w: f"/needs/{w['need'].pk}/transition/",
        members(405),
        members(302),
    ),
    "needs:production": (
        lambda w: f"/needs/{w['need'].pk}/production/",
        members(405),
        members(403),
    ),
    "needs:round_close": (
        lambda w: f"/needs/rounds/{w['round'].pk}/close/",
        members(405),
        {**members(403), "steering": 302},
    ),
    "needs:round_detail": (
        lambda w: f"/needs/rounds/{w['round'].pk}/",
        members(200),
        {**members(403), "ict_lead": 302},
    ),
    "needs:round_list": (
        lambda w: "/needs/rounds/",
        members(200),
        {**members(403), "steering": 400},
    ),
    "needs:similar_needs": (
        lambda w: "/needs/similar/?title=need",
        everyone(200),
        everyone(200),
    ),
    "needs:support": (
        lambda w: f"/needs/{w['need'].pk}/support/",
        members(405),
        members(302),
    ),
    "forum:thread_audience": (
        lambda w: f"/forum/t/{w['internal'].pk}/audience/",
        {**members(403), "expert_a": 200, "moderator": 200, "admin": 200},
        {**members(403), "expert_a": 400, "moderator": 400, "admin": 400},
    ),
    "needs:yearly_report": (
        lambda w: "/needs/reports/yearly/",
        members(200),
        members(200),
    ),
    "openid_connect_callback": (
        lambda w: "/accounts/oidc/iam/login/callback/",
        everyone(401),
        everyone(401),
    ),
    "openid_connect_login": (
        lambda w: "/accounts/oidc/iam/login/",
        everyone(405),
        everyone(503),
    ),
    "search:health": (
        lambda w: "/search/health/",
        {**members(404), "admin": 200},
        {**members(404), "admin": 200},
    ),
    "search:search": (
        lambda w: "/search/?q=board",
        everyone(200),
        everyone(200),
    ),
    "search:suggest": (
        lambda w: "/search/suggest/?q=board",
        everyone(200),
        everyone(200),
    ),
    "set_language": (
        lambda w: "/i18n/setlang/",
        everyone(302),
        everyone(302),
    ),
    "sign_in": (
        lambda w: "/sign-in/",
        members(302, anonymous=200),
        members(302, anonymous=200),
    ),
    "sign_out": (
        lambda w: "/sign-out/",
        everyone(200),
        everyone(302),
    ),
    # Not offered: each member is one IAM account (the route below shadows allauth's).
    "socialaccount_connections": (
        lambda w: "/accounts/3rdparty/",
        everyone(404),
        everyone(404),
    ),
    "accounts/3rdparty/": (
        lambda w: "/accounts/3rdparty/",
        everyone(404),
        everyone(404),
    ),
    "socialaccount_login_cancelled": (
        lambda w: "/accounts/3rdparty/login/cancelled/",
        everyone(200),
        everyone(405),
    ),
    "socialaccount_login_error": (
        lambda w: "/accounts/3rdparty/login/error/",
        everyone(401),
        everyone(405),
    ),
    "socialaccount_signup": (
        lambda w: "/accounts/3rdparty/signup/",
        everyone("login"),
        everyone("login"),
    ),
    "steering:roster": (
        lambda w: "/steering/",
        members(200),
        # Only a city's ICT lead (or the coordinator) records its nominations.
        {**members(403), "ict_lead": 400},
    ),
    "steering:nomination_end": (
        lambda w: "/steering/nominations/999999/end/",
        members(405),
        members(404),
    ),
    "steering:meeting_list": (
        lambda w: "/steering/meetings/",
        members(200),
        {**members(403), "steering": 400},
    ),
    # The meeting's agenda is not published: only the steering group sees it.
    "steering:meeting_detail": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/",
        {**members(404), "steering": 200},
        {**members(404), "steering": 200},
    ),
    "steering:meeting_edit": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/edit/",
        members(405),
        {**members(404), "steering": 400},
    ),
    "steering:agenda_add": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/agenda/",
        members(405),
        {**members(404), "steering": 400},
    ),
    "steering:agenda_remove": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/agenda/{w['item'].pk}/remove/",
        members(405),
        {**members(404), "steering": 302},
    ),
    # Once the steering member has published it, the others see the meeting but
    # may not run it.
    "steering:agenda_publish": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/publish/",
        members(405),
        {**members(404), "steering": 302, "moderator": 403, "admin": 403},
    ),
    "steering:attendance": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/attendance/",
        members(405),
        {**members(404), "steering": 302},
    ),
    "steering:decision_add": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/decisions/",
        members(405),
        {**members(404), "steering": 400},
    ),
    "steering:minutes_save": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/minutes/",
        members(405),
        {**members(404), "steering": 400},
    ),
    "steering:minutes_attachment_add": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/minutes/files/",
        members(405),
        members(404),
    ),
    "steering:minutes_approve": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/minutes/approve/",
        members(405),
        members(404),
    ),
    "steering:invitation": (
        lambda w: f"/steering/meetings/{w['meeting'].pk}/invitation.ics",
        members(404),
        members(404),
    ),
    "steering:minutes_attachment": (
        draft_minutes_attachment_url,
        {**members(404), "steering": 200},
        {**members(404), "steering": 200},
    ),
    # The token is the key (calendar apps send no session); renewing it revokes it.
    "steering:calendar_feed": (
        lambda w: f"/steering/calendar/{calendar_token(w)}.ics",
        everyone(200),
        everyone(200),
    ),
    "steering:calendar_renew": (
        lambda w: "/steering/calendar/renew/",
        members(405),
        members(302),
    ),
    "steering:need_search": (
        lambda w: "/steering/needs/search/?q=Shared",
        {**members(404), "steering": 200},
        {**members(404), "steering": 200},
    ),
    "steering:ballot_list": (
        lambda w: "/steering/electronic/",
        members(200),
        {**members(403), "steering": 400},
    ),
    # Nobody here holds a city's seat, so nobody may vote.
    "steering:ballot_detail": (
        lambda w: f"/steering/electronic/{w['ballot'].pk}/",
        members(200),
        members(403),
    ),
    "steering:ballot_close": (
        lambda w: f"/steering/electronic/{w['ballot'].pk}/close/",
        members(405),
        {**members(403), "steering": 302},
    ),
    "wagtail_serve": (
        lambda w: "/",
        everyone(200),
        everyone(200),
    ),
    "wagtailcore_authenticate_with_password": (
        lambda w: "/_util/authenticate_with_password/1/1/",
        everyone(404),
        everyone(404),
    ),
    "wagtailcore_login": (
        lambda w: "/_util/login/",
        everyone(200),
        everyone(200),
    ),
    "wagtaildocs_authenticate_with_password": (
        lambda w: "/documents/authenticate_with_password/1/",
        everyone(404),
        everyone(404),
    ),
    "wagtaildocs_serve": (
        lambda w: "/documents/1/x.pdf",
        everyone(404),
        everyone(404),
    ),
}


def outcome(response) -> int | str:
    if response.status_code in (301, 302, 303):
        if response["Location"].startswith(("/sign-in/", "/accounts/login/")):
            return "login"
        return 302
    return response.status_code


def signed_in(world, kind) -> Client:
    client = Client(enforce_csrf_checks=True)
    if kind != "anonymous":
        client.force_login(world["users"][kind])
    return client


def csrf_post(client: Client, url: str):
    """A POST as a browser makes it: a CSRF cookie and the same token in the form."""
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    return client.post(url, {"csrfmiddlewaretoken": token})


def test_every_url_has_an_entry():
    missing = all_url_keys() - set(MATRIX)
    assert not missing, f"URLs without an access matrix entry: {sorted(missing)}"
    stale = set(MATRIX) - all_url_keys()
    assert not stale, f"Access matrix entries for URLs that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_by_get(world, name):
    build, expected, _post = MATRIX[name]
    url = build(world)
    outcomes = {kind: outcome(signed_in(world, kind).get(url)) for kind in KINDS}
    assert outcomes == expected


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_by_post(world, name):
    build, _get, expected = MATRIX[name]
    url = build(world)
    outcomes = {}
    for kind in KINDS:
        outcomes[kind] = outcome(csrf_post(signed_in(world, kind), url))
    assert outcomes == expected


# Served to anyone: the admin's translation catalogue and icons, a sign-out, and
# Django admin's password form for the break-glass superuser (it lets in only
# a superuser's password; test_sign_in covers it).
BACK_OFFICE_PUBLIC = {
    "/admin/jsi18n/",
    "/admin/sprite/",
    "/django-admin/logout/",
    "/django-admin/login/",
}


def lets_in(response) -> bool:
    if response.status_code in (301, 302, 303):
        return not re.match(r"/(sign-in|django-admin/login|admin/login)/", response["Location"])
    return response.status_code < 300


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "admin"])
def test_back_offices_let_no_one_but_admins_in(world, kind):
    client = signed_in(world, kind)
    let_in = [
        (url, response.request["REQUEST_METHOD"], response.status_code)
        for url in back_office_urls()
        if url not in BACK_OFFICE_PUBLIC
        for response in (client.get(url), csrf_post(client, url))
        if lets_in(response)
    ]
    assert not let_in, let_in


def test_back_offices_let_admins_in(world):
    client = signed_in(world, "admin")
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_restricted_threads_leak_nowhere(client, world):
    for kind in ["anonymous", "expert_a", "expert_b", "ict_lead", "moderator", "admin"]:
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
