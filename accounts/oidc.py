"""OpenID Connect as the platform checks it: discovery, the provider's keys,
ID tokens, and the parts allauth leaves out (relying-party and back-channel
logout).

allauth trusts the ID token it gets from the token endpoint without checking
its signature, sends no nonce and fetches keys on every use. Here every ID
token and every logout token is checked against the provider's published keys
(RS, PS or ES algorithms only), its issuer, audience, lifetime and, for ID
tokens, the nonce of the sign-in that asked for it.

Discovery and keys are cached (Django cache). A token naming a key we don't
know makes us fetch the keys again at most once per
``OIDC_JWKS_REFRESH_SECONDS``, so unauthenticated requests cannot make the
platform call the provider in a loop. Logout tokens are checked as far as
possible before any network call.
"""

import hmac
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.core import checks
from django.core.cache import cache

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
DISCOVERY_CACHE_SECONDS = 300
# Clock difference tolerated between the provider and the platform.
CLOCK_SKEW_SECONDS = 30
# Asymmetric algorithms only: "none" proves nothing, and an HS algorithm would
# let anyone holding the client secret (or, confused, the public key) sign.
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# The discovery fields that name where the platform sends requests or gets keys.
DISCOVERY_URL_FIELDS = ("issuer", "jwks_uri")


class ProviderUnavailable(Exception):
    pass


class InvalidToken(Exception):
    pass


class InvalidIDToken(InvalidToken):
    pass


class InvalidLogoutToken(InvalidToken):
    pass


class LogoutTokenReplayed(InvalidLogoutToken):
    pass


def is_secure_url(url: str) -> bool:
    """True for an ``https`` URL with a host."""
    parts = urlsplit(url or "")
    return parts.scheme == "https" and bool(parts.netloc)


def insecure_discovery_urls(document: Mapping[str, Any]) -> list[str]:
    """The discovery fields whose URL is not ``https``."""
    return sorted(
        name
        for name, value in document.items()
        if (name in DISCOVERY_URL_FIELDS or name.endswith("_endpoint"))
        and isinstance(value, str)
        and not is_secure_url(value)
    )


def _fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document from the provider: the one place the platform calls it."""
    try:
        response = requests.get(url, timeout=settings.OIDC_HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url} did not answer with a JSON object")
    return document


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Cache unavailable; reading %s from the provider", key)
        return None


def _cache_set(key: str, value: Any, timeout: float) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("Cache unavailable; %s not cached", key)


def discovery() -> dict[str, Any]:
    """The issuer's discovery document; raises ``ProviderUnavailable``.

    The document must name the configured issuer (OpenID Connect Discovery
    4.3), and with ``OIDC_REQUIRE_HTTPS`` (``DEBUG`` off) every endpoint in it must be ``https``: a
    document that points elsewhere is not used.
    """
    issuer = settings.OIDC_ISSUER
    key = f"oidc-discovery:{issuer}"
    document = _cache_get(key)
    if document is None:
        document = _fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
            raise ProviderUnavailable(
                f"discovery names issuer {document.get('issuer')!r}, not {issuer!r}"
            )
        if not document.get("jwks_uri"):
            raise ProviderUnavailable("discovery names no jwks_uri")
        if settings.OIDC_REQUIRE_HTTPS and (insecure := insecure_discovery_urls(document)):
            raise ProviderUnavailable(f"discovery names non-https URLs: {', '.join(insecure)}")
        _cache_set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def _jwks_cache_key() -> str:
    return f"oidc-jwks:{settings.OIDC_ISSUER}"


def _jwks_fetch() -> list[dict[str, Any]]:
    keys = _fetch_json(discovery()["jwks_uri"]).get("keys")
    if not isinstance(keys, list):
        raise ProviderUnavailable("the provider's JWKS has no keys")
    keys = [k for k in keys if isinstance(k, dict)]
    _cache_set(_jwks_cache_key(), keys, settings.OIDC_JWKS_CACHE_SECONDS)
    return keys


def _refresh_allowed() -> bool:
    """Whether an unknown key may make us fetch the keys now (once per interval).

    Without a working cache no refresh is allowed: it could not be limited.
    """
    try:
        return cache.add(
            f"oidc-jwks-refresh:{settings.OIDC_ISSUER}", 1, settings.OIDC_JWKS_REFRESH_SECONDS
        )
    except Exception:
        return False


def _matching_key(keys: list[dict[str, Any]], *, kid: str | None, algorithm: str) -> Any:
    family = {"R": "RSA", "P": "RSA", "E": "EC"}[algorithm[0]]
    candidates = [
        k
        for k in keys
        if k.get("kty") == family
        and k.get("use", "sig") == "sig"
        and k.get("alg", algorithm) == algorithm
        and (kid is None or k.get("kid") == kid)
    ]
    if len(candidates) != 1:
        return None
    try:
        return jwt.PyJWK(candidates[0], algorithm=algorithm).key
    except jwt.PyJWTError:
        return None


def signing_key(header: Mapping[str, Any]) -> Any:
    """The provider's public key that ``header`` names, from the cached JWKS.

    An unknown ``kid`` refreshes the keys (the provider may have rotated them),
    at most once per ``OIDC_JWKS_REFRESH_SECONDS``. Raises ``InvalidToken``
    when no key matches, ``ProviderUnavailable`` when the keys can't be read.
    """
    kid = header.get("kid")
    algorithm = header["alg"]
    keys = _cache_get(_jwks_cache_key())
    if keys is None:
        if not _refresh_allowed():
            raise ProviderUnavailable("the provider's keys are not at hand")
        keys = _jwks_fetch()
    key = _matching_key(keys, kid=kid, algorithm=algorithm)
    if key is None and _refresh_allowed():
        key = _matching_key(_jwks_fetch(), kid=kid, algorithm=algorithm)
    if key is None:
        raise InvalidToken(f"no key of the provider matches kid {kid!r} and {algorithm}")
    return key


def _header(token: str) -> dict[str, Any]:
    """The token's header, refused unless it is a JWS signed with an allowed algorithm."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16_384:
        raise InvalidToken("not a signed JWT")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    if "kid" in header and not isinstance(header["kid"], str):
        raise InvalidToken("kid is not a string")
    if "crit" in header:
        raise InvalidToken("critical header parameters are not supported")
    return header


def _audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []


def _check_audience(claims: Mapping[str, Any]) -> None:
    """``aud`` names the platform; with several audiences ``azp`` must name it too."""
    audiences = _audiences(claims)
    if settings.OIDC_CLIENT_ID not in audiences:
        raise InvalidToken("the token is not meant for this platform (aud)")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != settings.OIDC_CLIENT_ID:
        raise InvalidToken("the token was issued to another party (azp)")


def _decode(token: str, header: Mapping[str, Any], *, required: list[str]) -> dict[str, Any]:
    """Verify the signature, ``iss``, ``aud``, ``exp`` and ``iat`` (not in the future)."""
    try:
        config = discovery()
        claims = jwt.decode(
            token,
            signing_key(header),
            algorithms=[header["alg"]],
            audience=settings.OIDC_CLIENT_ID,
            issuer=config["issuer"],
            options={"require": required, "verify_iat": True},
            leeway=CLOCK_SKEW_SECONDS,
        )
    except (jwt.PyJWTError, KeyError) as error:
        raise InvalidToken(str(error)) from error
    _check_audience(claims)
    return claims


def validate_id_token(token: str, *, nonce: str) -> dict[str, Any]:
    """Validate an ID token as OpenID Connect Core 3.1.3.7 asks; returns its claims.

    Checks the signature against the provider's keys, ``iss`` equal to the
    discovered issuer, ``aud`` (and ``azp``), ``exp``, ``iat`` not in the future,
    and ``nonce`` equal to the one this sign-in sent. Raises ``InvalidIDToken``
    or ``ProviderUnavailable``.
    """
    try:
        claims = _decode(token, _header(token), required=["iss", "sub", "aud", "exp", "iat"])
    except InvalidToken as error:
        raise InvalidIDToken(str(error)) from error
    received = claims.get("nonce")
    if not nonce or not isinstance(received, str) or not hmac.compare_digest(received, nonce):
        raise InvalidIDToken("the nonce does not match this sign-in")
    return claims


def _check_logout_claims(claims: Mapping[str, Any], *, now: float) -> None:
    """The claim checks of Back-Channel Logout 1.0 section 2.6, plus ``exp`` and a maximum age."""
    if str(claims.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
        raise InvalidLogoutToken("issued by another issuer")
    try:
        _check_audience(claims)
    except InvalidToken as error:
        raise InvalidLogoutToken(str(error)) from error
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise InvalidLogoutToken("exp is required")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise InvalidLogoutToken("iat is required")
    if exp < now - CLOCK_SKEW_SECONDS:
        raise InvalidLogoutToken("expired")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise InvalidLogoutToken("issued in the future")
    if iat < now - settings.OIDC_LOGOUT_TOKEN_MAX_AGE - CLOCK_SKEW_SECONDS:
        raise InvalidLogoutToken("issued too long ago")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 200:
        raise InvalidLogoutToken("jti is required")
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
        raise InvalidLogoutToken("no back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token has no nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise InvalidLogoutToken("neither sid nor sub")


def _remember_jti(claims: Mapping[str, Any], *, now: float) -> None:
    """Refuse a ``jti`` seen before; remember this one until ``exp`` plus the skew.

    The cache is shared by every process when ``REDIS_URL`` is set (production);
    the local-memory cache serves the embedded one-process platform.
    """
    timeout = max(1, int(claims["exp"] - now + CLOCK_SKEW_SECONDS) + 1)
    key = f"oidc-logout-jti:{claims['iss']}:{claims['jti']}"
    try:
        added = cache.add(key, 1, timeout)
    except Exception as error:
        raise InvalidLogoutToken("cannot remember logout tokens; refused") from error
    if not added:
        raise LogoutTokenReplayed("logout token replayed")


def validate_logout_token(token: str) -> dict[str, Any]:
    """Validate a back-channel logout token as OpenID Connect Back-Channel Logout 1.0 asks.

    Checks the claims first (``iss``, ``aud``, ``exp``, ``iat`` at most
    ``OIDC_LOGOUT_TOKEN_MAX_AGE`` old, ``jti``, the logout event, ``sid`` or
    ``sub``, no ``nonce``), so that garbage is refused before any network
    call; then the signature against the provider's cached keys; then that
    the ``jti`` was not seen before. Returns the claims or raises
    ``InvalidLogoutToken`` (``LogoutTokenReplayed`` for a replay).
    """
    now = time.time()
    try:
        header = _header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except (InvalidToken, jwt.PyJWTError) as error:
        raise InvalidLogoutToken(str(error)) from error
    _check_logout_claims(unverified, now=now)
    try:
        claims = _decode(token, header, required=["iss", "aud", "exp", "iat", "jti", "events"])
    except ProviderUnavailable as error:
        raise InvalidLogoutToken(f"provider unavailable: {error}") from error
    except InvalidToken as error:
        raise InvalidLogoutToken(str(error)) from error
    _check_logout_claims(claims, now=now)
    _remember_jti(claims, now=now)
    return claims


def end_session_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser so the IAM ends its session too (None if it cannot)."""
    if post_logout_redirect_uri not in settings.OIDC_POST_LOGOUT_REDIRECT_URIS:
        post_logout_redirect_uri = settings.OIDC_POST_LOGOUT_REDIRECT_URIS[0]
    endpoint = discovery().get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_CLIENT_ID,
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"


def check_https_issuer(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: without ``DEBUG`` (``OIDC_REQUIRE_HTTPS``) the IAM is reached
    over ``https`` only.

    Tokens, codes and the provider's keys travel on these connections; over
    plain ``http`` anyone on the path could read them or hand the platform
    keys of their own. (The endpoints the discovery document names are
    checked when it is read, see ``discovery``.)
    """
    if not settings.OIDC_REQUIRE_HTTPS:
        return []
    issuers = {settings.OIDC_ISSUER} if settings.OIDC_ISSUER else set()
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        issuers.add(app.get("settings", {}).get("server_url", ""))
    return [
        checks.Error(
            f"The OpenID provider {issuer!r} is not reached over https.",
            hint="Set OIDC_ISSUER to the IAM's https address (http is allowed only with DEBUG).",
            id="accounts.E101",
        )
        for issuer in sorted(issuers)
        if not is_secure_url(issuer)
    ]


def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Deploy check: the used logout tokens (``jti``) are remembered in the cache,
    so several processes need a shared one (Redis); the local-memory cache
    serves only the embedded one-process platform."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "The cache is local to each process: a back-channel logout token used at "
            "one process could be replayed at another.",
            hint="Set REDIS_URL when running more than one process.",
            id="accounts.W102",
        )
    ]
