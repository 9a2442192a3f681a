"""The parts of OpenID Connect that allauth leaves out: relying-party logout
and back-channel logout.

Discovery is read from the issuer's ``/.well-known/openid-configuration`` and
cached briefly; keys come from its ``jwks_uri``.
"""

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
DISCOVERY_CACHE_SECONDS = 300


class ProviderUnavailable(Exception):
    pass


class InvalidLogoutToken(Exception):
    pass


def discovery() -> dict[str, Any]:
    """The issuer's discovery document; raises ``ProviderUnavailable``."""
    key = f"oidc-discovery:{settings.OIDC_ISSUER}"
    try:
        document = cache.get(key)
    except Exception:
        document = None
    if document is None:
        url = settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(str(error)) from error
        try:
            cache.set(key, document, DISCOVERY_CACHE_SECONDS)
        except Exception:
            logger.warning("Cache unavailable; discovery document not cached")
    return document


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


def validate_logout_token(token: str) -> dict[str, Any]:
    """Validate a back-channel logout token as OpenID Connect Back-Channel Logout 1.0 asks.

    Checks the signature against the issuer's keys, ``iss``, ``aud``, ``iat``,
    the logout event, that a ``sid`` or ``sub`` is named, and that there is no
    ``nonce``. Returns the claims or raises ``InvalidLogoutToken``.
    """
    try:
        config = discovery()
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg", "RS256")
        if algorithm == "none" or algorithm.startswith("HS"):
            raise InvalidLogoutToken("unsupported algorithm")
        signing_key = jwt.PyJWKClient(
            config["jwks_uri"], timeout=int(settings.OIDC_HTTP_TIMEOUT)
        ).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=[algorithm],
            audience=settings.OIDC_CLIENT_ID,
            issuer=config["issuer"],
            options={"require": ["iss", "aud", "iat", "jti", "events"]},
            leeway=30,
        )
    except ProviderUnavailable as error:
        raise InvalidLogoutToken(f"provider unavailable: {error}") from error
    except (jwt.PyJWTError, KeyError) as error:
        raise InvalidLogoutToken(str(error)) from error
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
        raise InvalidLogoutToken("no back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token has no nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise InvalidLogoutToken("neither sid nor sub")
    return claims
