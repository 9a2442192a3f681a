"""Asking the IAM, during a session, whether the person is still who they were.

At sign-in the IAM's token response gives a refresh token (and an access
token); the platform keeps them with the sign-in (``SignInSession``) and, every
``IAM_RECHECK_SECONDS``, redeems the refresh token (OAuth 2.0 refresh grant) and
reads the userinfo endpoint with the new access token. The claims that come
back are mapped exactly as at sign-in. An IAM that issues no refresh token is
asked at userinfo with the access token of the sign-in.

The IAM's answer is one of three:

* the claims (``Confirmation``): the person is still there;
* ``IAMRefused``: the person is gone (``invalid_grant`` from the token
  endpoint, as Keycloak answers for a disabled user or an ended IAM session,
  or a 4xx from userinfo): the platform ends the session;
* ``IAMUnavailable``: no usable answer (network, timeout, 5xx, a client
  misconfiguration such as ``invalid_client``): the platform keeps the session
  for a bounded grace, ``IAM_UNREACHABLE_GRACE_SECONDS``.

Tokens come from the token endpoint over a direct TLS connection that
authenticates the client, so the refreshed ID token's signature need not be
checked (OpenID Connect Core 1.0, 3.1.3.7, point 6); its ``iss``, ``aud`` and
``sub`` are.
"""

import contextvars
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from accounts import oidc
from accounts.claims import merged_claims

logger = logging.getLogger(__name__)


class IAMUnavailable(Exception):
    """The IAM gave no usable answer; nothing is known about the person."""


class IAMRefused(Exception):
    """The IAM says the person's access is gone; ``reason`` says how."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Tokens:
    """What a token response holds that the platform keeps for the session."""

    id_token: str = ""
    access_token: str = ""
    refresh_token: str = ""


@dataclass(frozen=True)
class Confirmation:
    """The IAM's current claims about the person, and the tokens to ask with next time."""

    claims: dict[str, Any]
    tokens: Tokens


# The token response being handled in this sign-in: allauth keeps only the
# access token and the ID token's claims, and the re-check needs the refresh token.
_token_response: contextvars.ContextVar[Tokens | None] = contextvars.ContextVar(
    "iam_token_response", default=None
)


def remember_token_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A ``requests`` response hook on allauth's session: keeps the tokens of a token response."""
    if response.request.method != "POST" or not response.ok:
        return
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, Mapping) and isinstance(body.get("access_token"), str):
        _token_response.set(_tokens(body, previous=Tokens()))


def sign_in_tokens() -> Tokens:
    """The tokens of the sign-in being completed (empty if there were none)."""
    return _token_response.get() or Tokens()


def _tokens(body: Mapping[str, Any], *, previous: Tokens) -> Tokens:
    def text(name: str, default: str) -> str:
        value = body.get(name)
        return value if isinstance(value, str) and value else default

    # A refresh response may leave out the ID token and the refresh token
    # (RFC 6749, 6): the ones held stay valid then.
    return Tokens(
        id_token=text("id_token", previous.id_token),
        access_token=text("access_token", ""),
        refresh_token=text("refresh_token", previous.refresh_token),
    )


def _client_auth(config: Mapping[str, Any], data: dict[str, str]) -> tuple[str, str] | None:
    """Client authentication as allauth does it: in the form when the IAM accepts that."""
    methods = config.get("token_endpoint_auth_methods_supported") or []
    if "client_secret_post" in methods or "client_secret_basic" not in methods:
        data["client_id"] = settings.OIDC_CLIENT_ID
        data["client_secret"] = settings.OIDC_CLIENT_SECRET
        return None
    return (settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)


# After the IAM failed to answer, it is not asked again for this long (in any
# process sharing the cache): a page request must not wait out a timeout each
# time while the IAM is down.
UNAVAILABLE_PAUSE_SECONDS = 60
_UNAVAILABLE_KEY = "iam-unavailable"


def _config() -> dict[str, Any]:
    try:
        return oidc.discovery()
    except oidc.ProviderUnavailable as error:
        raise IAMUnavailable(f"discovery: {error}") from error


def _refresh(config: Mapping[str, Any], previous: Tokens) -> Tokens:
    data = {"grant_type": "refresh_token", "refresh_token": previous.refresh_token}
    auth = _client_auth(config, data)
    try:
        response = requests.post(
            config["token_endpoint"],
            data=data,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=settings.OIDC_HTTP_TIMEOUT,
        )
    except (requests.RequestException, KeyError) as error:
        raise IAMUnavailable(f"token endpoint: {error}") from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 400 and body.get("error") == "invalid_grant":
        raise IAMRefused("invalid_grant")
    if not response.ok or not isinstance(body.get("access_token"), str):
        # invalid_client and the like are the platform's configuration, not the
        # person: say so loudly and keep the session for the grace.
        logger.error("The IAM refused a refresh: %s %s", response.status_code, body.get("error"))
        raise IAMUnavailable(f"token endpoint answered {response.status_code}")
    return _tokens(body, previous=previous)


def _id_token_claims(config: Mapping[str, Any], id_token: str, subject: str) -> dict[str, Any]:
    if not id_token:
        return {}
    try:
        claims = jwt.decode(
            id_token,
            options={
                "verify_signature": False,
                "verify_exp": False,
                "verify_aud": True,
                "verify_iss": True,
            },
            audience=settings.OIDC_CLIENT_ID,
            issuer=config.get("issuer"),
        )
    except jwt.PyJWTError as error:
        raise IAMUnavailable(f"refreshed ID token: {error}") from error
    if claims.get("sub") != subject:
        raise IAMRefused("subject_changed")
    return claims


def _userinfo(config: Mapping[str, Any], access_token: str, subject: str) -> dict[str, Any]:
    endpoint = config.get("userinfo_endpoint")
    if not endpoint:
        return {}
    if not access_token:
        raise IAMRefused("no_token")
    try:
        response = requests.get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=settings.OIDC_HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        raise IAMUnavailable(f"userinfo: {error}") from error
    if 400 <= response.status_code < 500 and response.status_code != 429:
        raise IAMRefused(f"userinfo_{response.status_code}")
    try:
        claims = response.json() if response.ok else None
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise IAMUnavailable(f"userinfo answered {response.status_code}")
    if claims.get("sub") != subject:
        raise IAMRefused("subject_changed")
    return claims


def confirm(*, subject: str, tokens: Tokens) -> Confirmation:
    """Ask the IAM for the current claims of ``subject``, with the tokens of its session.

    Raises ``IAMRefused`` when the IAM says the person is gone and
    ``IAMUnavailable`` when it gives no usable answer. The claims are merged
    as at sign-in (userinfo over the ID token). After the IAM failed to
    answer, it is not asked for ``UNAVAILABLE_PAUSE_SECONDS``.
    """
    try:
        paused = cache.get(_UNAVAILABLE_KEY)
    except Exception:
        paused = None
    if paused:
        raise IAMUnavailable("did not answer a moment ago")
    try:
        return _confirm(subject=subject, tokens=tokens)
    except IAMUnavailable:
        try:
            cache.set(_UNAVAILABLE_KEY, 1, UNAVAILABLE_PAUSE_SECONDS)
        except Exception:
            logger.warning("Cache unavailable; the IAM's outage is not remembered")
        raise


def _confirm(*, subject: str, tokens: Tokens) -> Confirmation:
    config = _config()
    if tokens.refresh_token:
        refreshed = _refresh(config, tokens)
        # Only an ID token of this response says anything new.
        fresh = refreshed.id_token if refreshed.id_token != tokens.id_token else ""
        tokens = refreshed
        id_claims = _id_token_claims(config, fresh, subject)
    elif tokens.access_token:
        id_claims = {}
    else:
        raise IAMRefused("no_token")
    userinfo = _userinfo(config, tokens.access_token, subject)
    if not userinfo and not id_claims:
        raise IAMUnavailable("the IAM gave neither userinfo nor an ID token")
    return Confirmation(
        claims=merged_claims({"id_token": id_claims, "userinfo": userinfo}), tokens=tokens
    )
