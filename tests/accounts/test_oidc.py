"""OpenID Connect by the book, against the certified npm `oidc-provider`.

The provider runs as a process with signing keys the test holds (as the IAM
holds its own), behind a small HTTP proxy that counts every request the
platform makes to it and can replace the ID token in a token response: the
place where a forged or replayed token would reach the platform.
"""

import base64
import http.client
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from accounts.models import AuditEntry, SignInSession, User
from tests.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    Provider,
    finish_sign_in,
    free_port,
    start_node_provider,
    start_sign_in,
    use_provider,
)

KID = "open-cities-test-key"
HOP_BY_HOP = {"connection", "keep-alive", "content-length", "transfer-encoding"}
LOGOUT_EVENT = {"http://schemas.openid.net/event/backchannel-logout": {}}


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ProviderProxy:
    """Forwards every request to the provider, counting them by path; ``tamper``
    may replace the ID token of a token response."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.requests: Counter[str] = Counter()
        self.tamper: Callable[[str], str] | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                proxy.requests[path] += 1
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request(self.command, self.path, body or None, headers)
                response = upstream.getresponse()
                content = response.read()
                if path == "/token" and response.status == 200 and proxy.tamper:
                    document = json.loads(content)
                    document["id_token"] = proxy.tamper(document["id_token"])
                    content = json.dumps(document).encode()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                # One request per connection, so no client reuses a closed one.
                self.send_header("Connection", "close")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                upstream.close()

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def key_fetches(self) -> int:
        return self.requests["/jwks"]


@pytest.fixture(scope="module")
def proxied_provider(provider_key) -> Iterator[tuple[Provider, ProviderProxy]]:
    port = free_port()
    proxy = ProviderProxy(port)
    private_jwk = {
        **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider_key)),
        "kid": KID,
        "alg": "RS256",
        "use": "sig",
    }
    provider = start_node_provider(
        redirect_uris=["http://testserver/accounts/oidc/iam/login/callback/"],
        post_logout=["http://testserver/"],
        backchannel="http://testserver/accounts/oidc/backchannel-logout/",
        jwks=json.dumps({"keys": [private_jwk]}),
        port=port,
        issuer=proxy.url,
    )
    yield provider, proxy
    provider.stop()
    proxy.server.shutdown()


@pytest.fixture
def iam(settings, proxied_provider, organisations) -> Provider:
    provider, proxy = proxied_provider
    provider.browser.cookies.clear()
    proxy.tamper = None
    use_provider(settings, provider)
    proxy.requests.clear()
    return provider


@pytest.fixture
def proxy(proxied_provider) -> ProviderProxy:
    return proxied_provider[1]


def _sign(claims: dict, key, *, kid: str = KID, algorithm: str = "RS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- ID tokens -----------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_sends_a_nonce_and_checks_the_id_token(client, iam, proxy):
    authorize = start_sign_in(client)
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    assert len(nonce) >= 32

    response = finish_sign_in(client, iam.authorize(authorize, "ict-lead-pori"))

    assert response.status_code == 302
    assert _signed_in(client)
    account = User.objects.get(socialaccount__uid="ict-lead-pori").socialaccount_set.get()
    assert account.extra_data["id_token"]["nonce"] == nonce
    assert SignInSession.objects.get().id_token.count(".") == 2
    assert proxy.key_fetches() == 1


@pytest.mark.django_db
def test_each_sign_in_has_its_own_nonce_and_keys_are_fetched_once(client, iam, proxy):
    nonces = set()
    for person in ("ict-lead-pori", "expert-pori"):
        browser = Client()
        iam.browser.cookies.clear()
        authorize = start_sign_in(browser)
        nonces.add(parse_qs(urlsplit(authorize).query)["nonce"][0])
        assert finish_sign_in(browser, iam.authorize(authorize, person)).status_code == 302
        assert _signed_in(browser)

    assert len(nonces) == 2
    assert proxy.key_fetches() == 1


def _forged(provider_key) -> dict[str, Callable[[str], str]]:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def resign(**changes):
        def tamper(token):
            claims = {**_claims(token), **changes}
            return _sign({k: v for k, v in claims.items() if v is not None}, provider_key)

        return tamper

    def other_key_same_kid(token):
        return _sign(_claims(token), other_key)

    def unsigned(token):
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(token))}."

    def hs256_with_client_secret(token):
        return jwt.encode(_claims(token), CLIENT_SECRET, algorithm="HS256")

    def payload_changed(token):
        header, _payload, signature = token.split(".")
        claims = {**_claims(token), "sub": "steering-tampere"}
        return f"{header}.{_b64(claims)}.{signature}"

    return {
        "signed by another key": other_key_same_kid,
        "alg none": unsigned,
        "HS256 with the client secret": hs256_with_client_secret,
        "payload changed after signing": payload_changed,
        "for another client": resign(aud="another-client"),
        "several audiences, no azp": resign(aud=[CLIENT_ID, "another-client"], azp=None),
        "from another issuer": resign(iss="https://iam.invalid"),
        "expired": resign(exp=int(time.time()) - 600, iat=int(time.time()) - 4000),
        "issued in the future": resign(iat=int(time.time()) + 3600),
        "another nonce": resign(nonce="nonce-of-another-sign-in"),
        "no nonce": resign(nonce=None),
    }


FORGERIES = list(_forged(rsa.generate_private_key(public_exponent=65537, key_size=2048)))


@pytest.mark.django_db
@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_or_tampered_id_token_refuses_the_sign_in(
    client, iam, proxy, provider_key, forgery
):
    proxy.tamper = _forged(provider_key)[forgery]

    response = finish_sign_in(client, iam.authorize(start_sign_in(client), "ict-lead-pori"))

    assert response.status_code == 401
    assert "Sign-in failed" in response.content.decode()
    assert not _signed_in(client)
    assert not User.objects.filter(socialaccount__uid="ict-lead-pori").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_REFUSED).exists()


@pytest.mark.django_db
def test_an_id_token_from_another_sign_in_is_refused(client, iam, proxy):
    """The provider's own, valid ID token, replayed into another sign-in: its nonce differs."""
    captured = []

    def capture(token):
        captured.append(token)
        return token

    proxy.tamper = capture
    victim = Client()
    assert (
        finish_sign_in(victim, iam.authorize(start_sign_in(victim), "expert-pori")).status_code
        == 302
    )
    assert _signed_in(victim)

    proxy.tamper = lambda token: captured[0]
    response = finish_sign_in(client, iam.authorize(start_sign_in(client), "expert-pori"))

    assert response.status_code == 401
    assert not _signed_in(client)
    refusal = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_REFUSED)
    assert "nonce" in refusal.summary


@pytest.mark.django_db
def test_an_unknown_key_refreshes_the_cached_keys_once(client, iam, proxy):
    """Keys cached before the provider rotated them: one fetch finds the new key."""
    cache.set(f"oidc-jwks:{iam.issuer}", [], 3600)

    response = finish_sign_in(client, iam.authorize(start_sign_in(client), "ict-lead-pori"))

    assert response.status_code == 302
    assert _signed_in(client)
    assert proxy.key_fetches() == 1


@pytest.mark.django_db
def test_an_insecure_discovery_document_is_not_used_without_debug(client, iam, settings):
    settings.OIDC_REQUIRE_HTTPS = True

    response = client.post("/accounts/oidc/iam/login/", {"process": "login"})

    assert response.status_code == 503
    assert "Sign-in is not available" in response.content.decode()

    settings.OIDC_REQUIRE_HTTPS = False
    assert client.post("/accounts/oidc/iam/login/", {"process": "login"}).status_code == 302


# --- Connecting another account --------------------------------------------------------


@pytest.mark.django_db
def test_connecting_another_account_is_refused(client, iam):
    finish_sign_in(client, iam.authorize(start_sign_in(client), "expert-pori"))
    assert _signed_in(client)

    response = client.post("/accounts/oidc/iam/login/", {"process": "connect"})

    assert response.status_code == 400
    assert "cannot be linked" in response.content.decode()
    assert client.get("/accounts/3rdparty/").status_code == 404
    # Signing in again is still offered.
    assert client.post("/accounts/oidc/iam/login/", {"process": "login"}).status_code == 302


# --- Back-channel logout ---------------------------------------------------------------


def _logout_token(key, *, kid: str = KID, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": django_settings.OIDC_ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "events": LOGOUT_EVENT,
        **changes,
    }
    return _sign({k: v for k, v in claims.items() if v is not None}, key, kid=kid)


@pytest.fixture
def signed_in_member(client, iam) -> SignInSession:
    finish_sign_in(client, iam.authorize(start_sign_in(client), "expert-pori"))
    assert client.get("/members/").status_code == 200
    return SignInSession.objects.get()


def _post_logout(client, token: str):
    return client.post("/accounts/oidc/backchannel-logout/", {"logout_token": token})


def _remembered_seconds(key: str) -> float:
    """How long the cache keeps ``key`` (Redis or local memory)."""
    if hasattr(cache, "_expire_info"):
        return cache._expire_info[cache.make_and_validate_key(key)] - time.time()
    return cache._cache.get_client(key).ttl(cache.make_and_validate_key(key))


@pytest.mark.django_db
def test_a_valid_logout_token_ends_the_session_and_its_replay_is_refused(
    client, signed_in_member, provider_key, settings
):
    settings.OIDC_LOGOUT_TOKEN_MAX_AGE = 3 * 3600
    jti = uuid.uuid4().hex
    token = _logout_token(
        provider_key, sid=signed_in_member.sid, jti=jti, exp=int(time.time()) + 2 * 3600
    )

    assert _post_logout(client, token).status_code == 200
    assert client.get("/members/").status_code == 302
    assert not SignInSession.objects.exists()

    assert _post_logout(client, token).status_code == 400
    # Remembered as long as the token is valid, not just an hour.
    assert (
        _remembered_seconds(f"oidc-logout-jti:{django_settings.OIDC_ISSUER}:{jti}") > 2 * 3600 - 60
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": None}, id="no exp"),
        pytest.param(
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, id="expired"
        ),
        pytest.param({"iat": int(time.time()) - 600}, id="iat too old"),
        pytest.param({"iat": None}, id="no iat"),
        pytest.param({"jti": None}, id="no jti"),
        pytest.param({"events": None}, id="no logout event"),
        pytest.param({"nonce": "x"}, id="with a nonce"),
        pytest.param({"aud": "another-client"}, id="for another client"),
    ],
)
def test_an_invalid_logout_token_is_refused(client, signed_in_member, provider_key, changes):
    token = _logout_token(provider_key, sid=signed_in_member.sid, **changes)

    assert _post_logout(client, token).status_code == 400
    assert SignInSession.objects.filter(pk=signed_in_member.pk).exists()
    assert client.get("/members/").status_code == 200


@pytest.mark.django_db
def test_garbage_is_refused_before_any_call_to_the_provider(client, iam, proxy):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    garbage = [
        "",
        "not-a-token",
        "a.b.c",
        "x" * 20000,
        f"{_b64({'alg': 'none'})}.{_b64({'iss': iam.issuer})}.",
        _logout_token(other_key, sid="s", exp=int(time.time()) - 3600),
        _logout_token(other_key, sid="s", iss="https://iam.invalid"),
        jwt.encode({"iss": iam.issuer, "aud": CLIENT_ID}, "secret", algorithm="HS256"),
    ]
    proxy.requests.clear()

    for token in garbage:
        assert _post_logout(client, token).status_code == 400

    assert sum(proxy.requests.values()) == 0


@pytest.mark.django_db
def test_unknown_keys_make_the_platform_fetch_keys_at_most_once(client, iam, proxy):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    proxy.requests.clear()

    for n in range(6):
        token = _logout_token(other_key, kid=f"attacker-{n}", sid="s")
        assert _post_logout(client, token).status_code == 400

    assert proxy.key_fetches() <= 1
    assert proxy.requests["/.well-known/openid-configuration"] <= 1
