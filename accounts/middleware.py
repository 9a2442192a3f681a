"""Who the member is and which language they read, for pages and for the live socket."""

from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.http.cookie import parse_cookie
from django.utils import translation


class PreferredLanguageMiddleware:
    """Use the member's preferred language unless they switched on this browser.

    Runs after ``LocaleMiddleware``: an explicit choice (the language cookie
    set by the switcher) wins, otherwise the profile's language applies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class WebsocketSessionMiddleware:
    """Put the signed-in member and their session key on a websocket's scope, read-only.

    Channels' ``AuthMiddlewareStack`` wraps every outgoing frame to save a
    changed session; the live socket never changes the session, and with a
    thousand viewers that check on every frame costs more than the frame.
    This reads the session cookie and loads the member in one database call,
    with Django's own ``get_user`` (session hash checked as for a page).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        user, session_key = await _member(cookies.get(settings.SESSION_COOKIE_NAME))
        return await self.app({**scope, "user": user, "session_key": session_key}, receive, send)


class _ReadOnlySession:
    """A session as ``get_user`` reads it, which the socket never writes.

    The socket cannot send the browser a new cookie, so renewing the key (after
    a secret-key rotation) or ending a session that fails its check is left to
    the next page request; the socket only learns who, if anyone, is signed in.
    """

    def __init__(self, session_key: str | None):
        self.store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)

    def __getitem__(self, key):
        return self.store[key]

    def get(self, key, default=None):
        return self.store.get(key, default)

    def __setitem__(self, key, value):
        pass

    def cycle_key(self):
        pass

    def flush(self):
        pass


@database_sync_to_async
def _member(session_key: str | None):
    session = _ReadOnlySession(session_key)
    user = get_user(SimpleNamespace(session=session))
    return user, session.store.session_key if user.is_authenticated else None
