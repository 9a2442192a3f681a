"""Against the certified npm `oidc-provider`: PKCE enforcement, relying-party and
back-channel logout."""

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from accounts.models import AuditEntry, SignInSession, User
from tests.conftest import (
    sign_in,
    start_node_provider,
    start_sign_in,
    use_provider,
)


@pytest.fixture
def iam(settings, node_provider, organisations):
    use_provider(settings, node_provider)
    return node_provider


@pytest.mark.django_db
def test_demo_ict_lead_signs_in(client, iam):
    response = sign_in(client, iam, "ict-lead-pori")

    assert response.status_code == 302
    user = User.objects.get(socialaccount__uid="ict-lead-pori")
    assert user.organisation.slug == "pori"
    assert user.role_set == {"ict_lead"}
    sign_in_session = SignInSession.objects.get(user=user)
    assert sign_in_session.sid
    assert sign_in_session.id_token.count(".") == 2


@pytest.mark.django_db
def test_a_code_redeemed_with_another_flows_verifier_is_refused(client, iam, django_user_model):
    """PKCE: a code stolen from one sign-in cannot complete another."""
    from django.test import Client

    victim = Client()
    stolen = iam.authorize(start_sign_in(victim), "ict-lead-pori")
    code = parse_qs(urlsplit(stolen).query)["code"][0]

    attacker_authorize = start_sign_in(client)
    state = parse_qs(urlsplit(attacker_authorize).query)["state"][0]
    response = client.get("/accounts/oidc/iam/login/callback/", {"code": code, "state": state})

    assert response.status_code in (400, 401)
    assert "Sign-in failed" in response.content.decode()
    assert not django_user_model.objects.filter(socialaccount__uid="ict-lead-pori").exists()


def _confirm_logout(provider, location: str) -> str:
    """Answer the provider's "sign out?" page; returns where it sends the browser."""
    page = provider.browser.get(location, allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text).group(1)
    done = provider.browser.post(
        urljoin(provider.issuer, action),
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
    )
    while "Location" in done.headers:
        location = urljoin(provider.issuer, done.headers["Location"])
        if not location.startswith(provider.issuer):
            return location
        done = provider.browser.get(location, allow_redirects=False)
    assert done.status_code == 200, done.text[:300]
    return ""


@pytest.mark.django_db
def test_sign_out_ends_the_provider_session(client, iam):
    sign_in(client, iam, "ict-lead-pori")
    id_token = SignInSession.objects.get().id_token

    response = client.post("/sign-out/")

    assert response.status_code == 302
    end_session = response["Location"]
    query = parse_qs(urlsplit(end_session).query)
    assert end_session.startswith(iam.issuer)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert "_auth_user_id" not in client.session
    assert not SignInSession.objects.exists()

    assert _confirm_logout(iam, end_session) == "http://testserver/"

    # The provider forgot the browser: a new sign-in asks who you are again.
    authorize = iam.browser.get(start_sign_in(client), allow_redirects=False)
    assert "/interaction/" in authorize.headers["Location"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_OUT).exists()


@pytest.mark.django_db(transaction=True)
def test_back_channel_logout_ends_the_platform_session(settings, live_server, organisations):
    site = live_server.url
    provider = start_node_provider(
        redirect_uris=[f"{site}/accounts/oidc/iam/login/callback/"],
        post_logout=[f"{site}/"],
        backchannel=f"{site}/accounts/oidc/backchannel-logout/",
    )
    try:
        use_provider(settings, provider, site=site)
        browser = requests.Session()
        start = browser.get(f"{site}/sign-in/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start.text).group(1)
        response = browser.post(
            f"{site}/accounts/oidc/iam/login/",
            data={"csrfmiddlewaretoken": csrf, "process": "login"},
            headers={"Referer": f"{site}/sign-in/"},
            allow_redirects=False,
        )
        callback = provider.authorize(response.headers["Location"], "expert-pori")
        assert browser.get(callback, allow_redirects=False).status_code == 302
        assert browser.get(f"{site}/members/", allow_redirects=False).status_code == 200

        # The member signs out at the IAM (another application, say): the IAM tells us.
        _confirm_logout(provider, f"{provider.issuer}/session/end?client_id=open-cities-platform")

        assert browser.get(f"{site}/members/", allow_redirects=False).status_code == 302
        assert AuditEntry.objects.filter(action=AuditEntry.Action.BACKCHANNEL_LOGOUT).exists()
    finally:
        provider.stop()


@pytest.mark.django_db
def test_forged_logout_token_is_refused(client, iam):
    sign_in(client, iam, "expert-pori")
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sign_in_session = SignInSession.objects.get()
    forged = jwt.encode(
        {
            "iss": iam.issuer,
            "aud": "open-cities-platform",
            "iat": 2_000_000_000,
            "jti": "x",
            "sid": sign_in_session.sid,
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        },
        key,
        algorithm="RS256",
        headers={"kid": "forged"},
    )

    response = client.post("/accounts/oidc/backchannel-logout/", {"logout_token": forged})

    assert response.status_code == 400
    assert SignInSession.objects.filter(pk=sign_in_session.pk).exists()
    assert client.get("/members/").status_code == 200
