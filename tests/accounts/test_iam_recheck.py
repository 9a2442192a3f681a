"""The IAM stays the source of truth during a session: roles and organisation are
re-read through the provider (refresh token, userinfo), and a session ends when the
provider says the person is gone, when it idles out or when it reaches its lifetime.

Against oidc-provider-mock, a real provider over HTTP: a test changes a user's
claims with ``PUT /users/<sub>`` and revokes their tokens with
``POST /users/<sub>/revoke-tokens``."""

import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone

from accounts import sessions as lifetime
from accounts.models import AuditEntry, Role, SignInSession, User
from needs_registry import services as needs_services
from needs_registry.models import CityVote, Status
from tests.conftest import Provider, free_port, sign_in, use_provider
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "Laskutuksen automatisointi",
    "problem": "Laskut käsitellään käsin.",
    "desired_outcome": "Laskut kulkevat automaattisesti.",
    "domain": "finance",
}


def claims(**extra):
    return {"email": "maija@pori.example", "name": "Maija Meikäläinen", **extra}


@pytest.fixture
def iam(settings, mock_provider, organisations):
    use_provider(settings, mock_provider)
    return mock_provider


@pytest.fixture
def open_need(organisations):
    CategoryFactory(slug="talous", domain="finance")
    porvoo = organisations["porvoo"]
    expert = UserFactory(organisation=porvoo)
    lead = UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD])
    need = needs_services.need_create(actor=expert, data=NEED)
    return needs_services.need_transition(actor=lead, need=need, to_status=Status.SUBMITTED)


def recheck_due(client) -> None:
    """Move the last IAM check back past the interval, as if 15 minutes had gone by."""
    SignInSession.objects.update(
        checked_at=timezone.now() - timedelta(seconds=django_settings.IAM_RECHECK_SECONDS + 1)
    )
    session = client.session
    session[lifetime.IAM_DUE] = 0
    session.save()


def vote(client, need):
    return client.post(f"/needs/{need.pk}/vote/", {"comment": ""})


def test_sign_in_keeps_the_refresh_token_with_the_session(client, iam):
    iam.set_user("lead-1", claims(municipality="pori", roles=["ict-lead"]))

    sign_in(client, iam, "lead-1")

    sign_in_session = SignInSession.objects.get()
    assert sign_in_session.session_key == client.session.session_key
    assert sign_in_session.refresh_token
    assert sign_in_session.access_token


def test_an_ict_lead_whose_role_is_removed_can_no_longer_vote(client, iam, open_need):
    iam.set_user("lead-1", claims(municipality="pori", roles=["ict-lead"]))
    sign_in(client, iam, "lead-1")
    iam.set_user("lead-1", claims(municipality="pori", roles=[]))

    # Before the re-check is due, the sign-in's roles hold (the control).
    vote(client, open_need)
    assert CityVote.objects.filter(need=open_need, organisation__slug="pori").exists()
    needs_services.city_vote_withdraw(
        actor=User.objects.get(socialaccount__uid="lead-1"), need=open_need
    )

    recheck_due(client)
    response = vote(client, open_need)

    assert response.status_code in (302, 403)
    assert not CityVote.objects.filter(need=open_need, organisation__slug="pori").exists()
    user = User.objects.get(socialaccount__uid="lead-1")
    assert user.role_set == frozenset()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.ROLES_CHANGED).get()
    assert entry.data == {"added": [], "removed": ["ict_lead"]}
    # Still a member of Pori: signed in, with what the IAM now says.
    assert client.get("/members/").status_code == 200
    assert SignInSession.objects.get().confirmed_at > timezone.now() - timedelta(minutes=1)


def test_an_organisation_change_is_applied_and_audited(client, iam):
    iam.set_user("lead-2", claims(municipality="pori"))
    sign_in(client, iam, "lead-2")
    iam.set_user("lead-2", claims(municipality="porvoo"))

    recheck_due(client)
    assert client.get("/members/").status_code == 200

    assert User.objects.get(socialaccount__uid="lead-2").organisation.slug == "porvoo"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ORGANISATION_CHANGED).exists()


def test_a_member_removed_from_the_provider_is_signed_out(client, iam):
    iam.set_user("gone-1", claims(municipality="pori"))
    sign_in(client, iam, "gone-1")
    assert client.get("/members/").status_code == 200
    requests.post(f"{iam.issuer}/users/gone-1/revoke-tokens", timeout=5).raise_for_status()

    recheck_due(client)
    response = client.get("/members/")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=%2Fmembers%2F"
    page = client.get(response["Location"])
    assert "IAM no longer confirms your access" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert not SignInSession.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IAM_ACCESS_ENDED)
    assert entry.data == {"reason": "invalid_grant"}


def test_a_member_whose_city_the_iam_no_longer_names_is_signed_out(client, iam):
    iam.set_user("gone-2", claims(municipality="pori"))
    sign_in(client, iam, "gone-2")
    iam.set_user("gone-2", claims(municipality="tampere"))

    recheck_due(client)

    assert client.get("/members/").status_code == 302
    assert AuditEntry.objects.get(action=AuditEntry.Action.IAM_ACCESS_ENDED).data == {
        "reason": "unknown_organisation"
    }


def test_without_a_refresh_token_the_access_token_is_checked_at_userinfo(client, iam):
    iam.set_user("at-1", claims(municipality="pori", roles=["ict-lead"]))
    sign_in(client, iam, "at-1")
    SignInSession.objects.update(refresh_token="")
    iam.set_user("at-1", claims(municipality="pori", roles=[]))

    recheck_due(client)
    assert client.get("/members/").status_code == 200
    assert User.objects.get(socialaccount__uid="at-1").role_set == frozenset()

    requests.post(f"{iam.issuer}/users/at-1/revoke-tokens", timeout=5).raise_for_status()
    recheck_due(client)
    assert client.get("/members/").status_code == 302
    assert AuditEntry.objects.get(action=AuditEntry.Action.IAM_ACCESS_ENDED).data["reason"] == (
        "userinfo_400"
    )


def test_while_the_provider_is_down_the_session_is_kept_for_a_bounded_grace(client, iam, settings):
    iam.set_user("down-1", claims(municipality="pori"))
    sign_in(client, iam, "down-1")
    use_provider(settings, Provider(issuer=f"http://127.0.0.1:{free_port()}", kind="mock"))

    recheck_due(client)
    assert client.get("/members/").status_code == 200
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.IAM_ACCESS_ENDED).exists()
    # Asked again within the minute, not only after the full interval.
    retry_in = client.session[lifetime.IAM_DUE] - time.time()
    assert 0 < retry_in <= 61

    SignInSession.objects.update(
        confirmed_at=timezone.now()
        - timedelta(
            seconds=settings.IAM_RECHECK_SECONDS + settings.IAM_UNREACHABLE_GRACE_SECONDS + 1
        )
    )
    recheck_due(client)
    response = client.get("/members/")

    assert response.status_code == 302
    assert "could not confirm your access" in client.get(response["Location"]).content.decode()
    assert AuditEntry.objects.get(action=AuditEntry.Action.IAM_ACCESS_ENDED).data == {
        "reason": "iam_unreachable"
    }


def age(client, *, started_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[lifetime.STARTED_AT] = now - started_ago
    session[lifetime.SEEN_AT] = now - seen_ago
    session.save()


def test_a_session_not_used_for_the_idle_timeout_ends(client, iam, settings):
    iam.set_user("idle-1", claims(municipality="pori"))
    sign_in(client, iam, "idle-1")
    age(client, started_ago=settings.SESSION_IDLE_SECONDS - 120, seen_ago=60 * 60)
    assert client.get("/members/").status_code == 200  # the control: used an hour ago

    age(
        client,
        started_ago=settings.SESSION_IDLE_SECONDS + 60,
        seen_ago=settings.SESSION_IDLE_SECONDS,
    )
    response = client.get("/members/")

    assert response.status_code == 302
    assert "not used for a long while" in client.get(response["Location"]).content.decode()
    assert not SignInSession.objects.exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.SESSION_EXPIRED).data == {
        "reason": "idle"
    }


def test_a_busy_session_still_ends_at_its_lifetime(client, iam, settings):
    iam.set_user("max-1", claims(municipality="pori"))
    sign_in(client, iam, "max-1")
    age(client, started_ago=settings.SESSION_MAX_SECONDS - 60, seen_ago=1)
    assert client.get("/members/").status_code == 200

    age(client, started_ago=settings.SESSION_MAX_SECONDS + 1, seen_ago=1)
    response = client.get("/members/")

    assert response.status_code == 302
    assert "maximum length" in client.get(response["Location"]).content.decode()
    assert AuditEntry.objects.get(action=AuditEntry.Action.SESSION_EXPIRED).data == {
        "reason": "max_age"
    }


def test_use_moves_the_idle_clock_but_not_the_lifetime(client, iam):
    iam.set_user("clock-1", claims(municipality="pori"))
    sign_in(client, iam, "clock-1")
    age(client, started_ago=3600, seen_ago=600)
    before = client.session[lifetime.STARTED_AT]

    client.get("/members/")

    assert client.session[lifetime.STARTED_AT] == before
    assert time.time() - client.session[lifetime.SEEN_AT] < 5


def test_an_htmx_request_of_an_ended_session_is_sent_to_sign_in(client, iam, settings):
    iam.set_user("htmx-1", claims(municipality="pori"))
    sign_in(client, iam, "htmx-1")
    age(client, started_ago=settings.SESSION_MAX_SECONDS + 1, seen_ago=1)

    response = client.get("/members/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/sign-in/")
