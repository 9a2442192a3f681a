"""Rate limits: per client behind the trusted proxies, per member when signed in,
on every write, on search, the API and the back-channel endpoint; a refusal
keeps what the member typed."""

import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import Role
from accounts.ratelimit import LIMITS, check_rate_limits, client_address
from forum import services as forum_services
from needs_registry import services as needs_services
from needs_registry.models import Status
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


@pytest.mark.parametrize(
    ("hops", "header", "expected"),
    [
        (0, "198.51.100.7", PROXY),
        (1, None, PROXY),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 192.0.2.1", "198.51.100.7"),
        (2, "198.51.100.7", PROXY),
        (1, "6.6.6.6, not-an-address", PROXY),
        (1, "6.6.6.6, ", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_taken_through_the_trusted_proxies_only(
    settings, hops, header, expected
):
    settings.TRUSTED_PROXY_COUNT = hops
    extra = {"REMOTE_ADDR": PROXY}
    if header is not None:
        extra["HTTP_X_FORWARDED_FOR"] = header
    assert client_address(RequestFactory().get("/", **extra)) == expected


def test_behind_the_proxy_each_client_has_its_own_sign_in_budget(settings):
    """Every request arrives from the proxy's address; the proxy appends the
    client's. One client using up its budget must not lock out another, and a
    forged extra hop on the left must not buy a fresh budget."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {"sign_in": (3, 60)}
    url = "/accounts/oidc/iam/login/"

    def sign_in(forwarded_for: str) -> int:
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).post(url).status_code

    assert [sign_in("198.51.100.7") for _ in range(3)].count(429) == 0
    assert sign_in("198.51.100.7") == 429
    assert sign_in("6.6.6.6, 198.51.100.7") == 429
    assert sign_in("203.0.113.9, 198.51.100.7") == 429
    # Positive control: another client behind the same proxy still signs in.
    assert sign_in("203.0.113.9") != 429
    assert sign_in("198.51.100.7, 203.0.113.9") != 429


@pytest.fixture
def world():
    CategoryFactory(slug="ict", domain="ict")
    porvoo, pori = OrganisationFactory(slug="porvoo"), OrganisationFactory(slug="pori")
    roles = [Role.ICT_LEAD, Role.STEERING_GROUP, Role.MODERATOR]
    member = UserFactory(organisation=porvoo, handle="maija", roles=roles)
    other = UserFactory(organisation=pori, handle="pekka", roles=roles)
    thread = forum_services.thread_create(
        actor=member, category=CategoryFactory(slug="ict"), title="Ketju", body="Alku"
    )
    own_posts = {
        member.pk: thread.posts.get(),
        other.pk: forum_services.post_create(actor=other, thread=thread, body="Toinen"),
    }
    data = {
        "title": "Varausjärjestelmä",
        "problem": "Tilat varataan sähköpostilla.",
        "desired_outcome": "Itsepalveluvaraus.",
        "domain": "ict",
    }
    need = needs_services.need_create(actor=member, data=data)
    need = needs_services.need_transition(actor=member, need=need, to_status=Status.SUBMITTED)
    now = timezone.now()
    round_ = needs_services.round_open(
        actor=member,
        title="Kevät",
        needs=[need],
        points_per_city=100,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
    )
    return {
        "member": member,
        "other": other,
        "thread": thread,
        "own_posts": own_posts,
        "need": need,
        "round": round_,
    }


def _others_post(w, user):
    return next(post for pk, post in w["own_posts"].items() if pk != user.pk)


# (limit, address for a member, what the member sends, the text that must be kept)
WRITES = [
    (
        "thread",
        lambda w, u: "/forum/c/ict/new/",
        lambda w: {"title": "Uusi ketju", "body": "Ketjun teksti", "publicity": "internal"},
        "Ketjun teksti",
    ),
    (
        "post",
        lambda w, u: f"/forum/t/{w['thread'].pk}/reply/",
        lambda w: {"body": "Vastaus"},
        "Vastaus",
    ),
    (
        "edit",
        lambda w, u: f"/forum/p/{w['own_posts'][u.pk].pk}/edit/",
        lambda w: {"body": "Korjattu teksti"},
        "Korjattu teksti",
    ),
    (
        "react",
        lambda w, u: f"/forum/p/{_others_post(w, u).pk}/react/",
        lambda w: {"kind": "idea"},
        None,
    ),
    (
        "flag",
        lambda w, u: f"/forum/p/{_others_post(w, u).pk}/flag/",
        lambda w: {"reason": "Asiaton kommentti"},
        "Asiaton kommentti",
    ),
    (
        "draft",
        lambda w, u: f"/forum/t/{w['thread'].pk}/draft/",
        lambda w: {"body": "Keskeneräinen"},
        "Keskeneräinen",
    ),
    ("read", lambda w, u: f"/forum/t/{w['thread'].pk}/read/", lambda w: {"number": "1"}, None),
    (
        "watch",
        lambda w, u: f"/forum/t/{w['thread'].pk}/tracking/",
        lambda w: {"level": "watching"},
        None,
    ),
    (
        "moderate",
        lambda w, u: f"/forum/t/{w['thread'].pk}/moderate/",
        lambda w: {"action": "pin"},
        None,
    ),
    ("notifications", lambda w, u: "/notifications/read/", lambda w: {}, None),
    (
        "profile",
        lambda w, u: "/profile/",
        lambda w: {
            "title": "Arkkitehti",
            "preferred_language": "fi",
            "notification_email": "daily",
        },
        "Arkkitehti",
    ),
    (
        "vote",
        lambda w, u: f"/needs/{w['need'].pk}/vote/",
        lambda w: {"comment": "Tarvitaan kipeästi"},
        "Tarvitaan kipeästi",
    ),
    (
        "points",
        lambda w, u: f"/needs/rounds/{w['round'].pk}/",
        lambda w: {f"points_{w['need'].pk}": "5"},
        None,
    ),
    (
        "position",
        lambda w, u: f"/needs/{w['need'].pk}/position/",
        lambda w: {"stance": "has_need", "urgency": "", "current_system": "Vanha varauskirja"},
        "Vanha varauskirja",
    ),
    (
        "need",
        lambda w, u: "/needs/new/",
        lambda w: {
            "title": "Uusi tarve",
            "problem": "Ongelma",
            "desired_outcome": "x",
            "domain": "ict",
        },
        "Uusi tarve",
    ),
    (
        "attachment",
        lambda w, u: f"/needs/{w['need'].pk}/attachments/",
        lambda w: {"file": SimpleUploadedFile("kaavio.txt", b"kaavio", content_type="text/plain")},
        None,
    ),
    (
        "steering",
        lambda w, u: "/steering/meetings/",
        lambda w: {"title": "Ohjausryhmän kokous", "held_on": "2026-12-01"},
        "Ohjausryhmän kokous",
    ),
]


def test_every_write_is_limited_per_member_and_the_refusal_keeps_the_text(settings, world):
    """For each kind of write, a member over its limit gets 429 in their own
    language (Finnish here) with what they typed; another member's budget is
    untouched."""
    assert {name for name, *_ in WRITES} <= set(LIMITS)
    settings.RATE_LIMITS = {name: (2, 60) for name, *_ in WRITES}
    member, other = world["member"], world["other"]
    client = Client()
    client.force_login(member)
    other_client = Client()
    other_client.force_login(other)
    for name, url, data, kept in WRITES:
        for _ in range(2):
            assert client.post(url(world, member), data(world)).status_code != 429, name
        refused = client.post(url(world, member), data(world))
        assert refused.status_code == 429, name
        assert refused["Retry-After"] == "60"
        page = refused.content.decode()
        assert "Odota minuutti ja yritä uudelleen." in page, name
        if kept is not None:
            assert kept in page, name
        # Positive control: the same write by another member goes through.
        assert other_client.post(url(world, other), data(world)).status_code != 429, name


def test_a_refused_post_can_be_sent_again_from_the_refusal_page(client, settings, world):
    settings.RATE_LIMITS = {"post": (1, 60)}
    client.force_login(world["member"])
    url = f"/forum/t/{world['thread'].pk}/reply/"
    client.post(url, {"body": "Ensimmäinen"})
    refused = client.post(url, {"body": "Tärkeä vastaus", "reply_to": "1"})
    page = refused.content.decode()
    assert refused.status_code == 429
    assert f'action="{url}"' in page
    assert '<label for="resend-body">' in page
    assert "Tärkeä vastaus</textarea>" in page
    assert 'name="reply_to" value="1"' in page


def test_a_refused_fetch_gets_json(client, settings, world):
    settings.RATE_LIMITS = {"react": (1, 60)}
    client.force_login(world["member"])
    url = f"/forum/p/{_others_post(world, world['member']).pk}/react/"
    assert client.post(url, {"kind": "idea"}, HTTP_ACCEPT="application/json").status_code == 200
    refused = client.post(url, {"kind": "idea"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    assert refused.json()["errors"]["__all__"][0]["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("search", "/search/?q=varaus"),
        ("suggest", "/search/suggest/?q=varaus"),
        ("suggest", "/needs/similar/?title=varaus"),
        ("api", "/api/needs"),
    ],
)
def test_search_suggestions_and_the_api_are_limited(client, settings, world, name, path):
    settings.RATE_LIMITS = {name: (2, 60)}
    client.force_login(world["member"])
    assert [client.get(path).status_code for _ in range(2)].count(429) == 0
    assert client.get(path).status_code == 429
    other = Client()
    other.force_login(world["other"])
    assert other.get(path).status_code == 200


def test_the_api_is_limited_per_address_when_anonymous(settings):
    settings.RATE_LIMITS = {"api": (2, 60)}
    first, second = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.9")
    assert [first.get("/api/needs").status_code for _ in range(2)] == [200, 200]
    refused = first.get("/api/needs")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json()["detail"]
    assert second.get("/api/needs").status_code == 200


def test_the_back_channel_endpoint_is_limited_per_address(settings):
    settings.RATE_LIMITS = {"backchannel": (2, 60)}
    url = "/accounts/oidc/backchannel-logout/"
    caller, another = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.9")
    assert [caller.post(url, {"logout_token": "x"}).status_code for _ in range(2)] == [400, 400]
    assert caller.post(url, {"logout_token": "x"}).status_code == 429
    assert another.post(url, {"logout_token": "x"}).status_code == 400


def test_limits_fail_open_with_a_warning_when_the_cache_is_down(client, settings, world, caplog):
    settings.RATE_LIMITS = {"post": (1, 60)}
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    client.force_login(world["member"])
    url = f"/forum/t/{world['thread'].pk}/reply/"
    with caplog.at_level(logging.WARNING, logger="accounts.ratelimit"):
        statuses = [client.post(url, {"body": f"viesti {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 302]
    assert "Rate limit post not counted" in caplog.text


def test_a_misspelt_or_empty_rate_limit_is_a_configuration_error(settings):
    settings.RATE_LIMITS = {"psot": (1, 60), "post": (0, 60), "vote": (5, 60)}
    assert [error.id for error in check_rate_limits()] == ["accounts.E001", "accounts.E002"]
    settings.RATE_LIMITS = {"vote": (5, 60)}
    assert check_rate_limits() == []
