"""The live socket's origin check: only pages of this very site may open it.

A browser sends the page's origin (scheme, host and port) with every
websocket handshake, and sends the session cookie whatever page opens the
socket. So the handshake is accepted only when its ``Origin`` is exactly one
of the site's own origins, ``SITE_URL`` and ``CSRF_TRUSTED_ORIGINS``: another
port or scheme on the same host is another site (``http://127.0.0.1:9999``
is not ``http://127.0.0.1:8000``), and a handshake without ``Origin`` comes
from no page of ours. Wildcard entries of ``CSRF_TRUSTED_ORIGINS``
(``https://*.example.org``) match nothing here.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(value: str) -> Origin | None:
    """``(scheme, host, port)`` of a serialised origin, or None if it is not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if (
        scheme not in DEFAULT_PORTS
        or not host
        or "*" in host
        or parts.username is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def site_origins() -> set[Origin]:
    candidates = [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS]
    return {origin for origin in map(parse_origin, candidates) if origin is not None}


class SiteOriginMiddleware:
    """Refuse a websocket handshake whose ``Origin`` is not exactly one of the site's."""

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            values = [value for name, value in scope.get("headers", []) if name == b"origin"]
            origin = parse_origin(values[0].decode("latin1")) if len(values) == 1 else None
            if origin is None or origin not in site_origins():
                await WebsocketDenier()(scope, receive, send)
                return
        await self.application(scope, receive, send)
