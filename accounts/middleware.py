"""Who the member is and which language they read, for pages and for the live socket."""

import time
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlencode

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user, logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import services
from accounts import sessions as lifetime


def reader_language(request: HttpRequest, user) -> str:
    """The language ``user`` reads on this browser.

    An explicit choice (the language cookie set by the switcher) wins,
    otherwise the profile's language; without either, the language
    ``LocaleMiddleware`` chose from the browser.
    """
    if (
        user is not None
        and user.is_authenticated
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        and user.preferred_language
    ):
        return user.preferred_language
    return translation.get_language()


class PreferredLanguageMiddleware:
    """Use the member's preferred language unless they switched on this browser.

    Runs after ``LocaleMiddleware`` (see ``reader_language``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = reader_language(request, getattr(request, "user", None))
        if language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def _ended_message(reason: str) -> str:
    if reason == lifetime.IDLE:
        return _("You were signed out because the platform was not used for a long while.")
    if reason == lifetime.MAX_AGE:
        return _("Your sign-in reached its maximum length. Please sign in again.")
    if reason == "iam_unreachable":
        return _("You were signed out because the IAM could not confirm your access for too long.")
    return _(
        "You were signed out because the IAM no longer confirms your access here. "
        "If you think this is a mistake, contact your organisation's IAM administrator."
    )


class SessionLifetimeMiddleware:
    """End a signed-in session that is over; keep the IAM the source of truth meanwhile.

    Runs after authentication and messages. Applies the idle timeout and the
    absolute lifetime and, every ``IAM_RECHECK_SECONDS``, asks the IAM again
    (``accounts.services.session_check``; the rules in ``accounts.sessions``).
    A member whose session ended is signed out and sent to the sign-in page
    with a message that says why; otherwise the request goes on with roles
    and organisation as the IAM now says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session and request.user.is_authenticated:
            ended = self._check(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        now = time.time()
        session = request.session
        try:
            check = services.session_check(
                session_key=session.session_key or "", data=session, user=request.user, now=now
            )
        except services.SessionEnded as ended:
            logout(request)
            messages.warning(request, _ended_message(ended.reason))
            return self._to_sign_in(request)
        lifetime.lifetime_touch(session, now)
        if check.rechecked:
            session[lifetime.IAM_DUE] = None if check.iam_due == float("inf") else check.iam_due
            # Roles and organisation as the IAM now says, for this request already.
            request.__dict__.pop("_cached_user", None)
            request.user = get_user(request)
        return None

    @staticmethod
    def _to_sign_in(request: HttpRequest) -> HttpResponse:
        next_url = request.get_full_path() if request.method == "GET" else "/"
        url = f"{reverse('sign_in')}?{urlencode({'next': next_url})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


class WebsocketSessionMiddleware:
    """Put the signed-in member and their session key on a websocket's scope, read-only.

    Channels' ``AuthMiddlewareStack`` wraps every outgoing frame to save a
    changed session; the live socket never changes the session, and with a
    thousand viewers that check on every frame costs more than the frame.
    This reads the session cookie and loads the member with Django's own
    ``get_user`` (session hash checked as for a page), refuses a session past
    its idle timeout or lifetime, and tells the consumer when to check the
    session again (``session_deadline``: the idle timeout, the lifetime or the
    IAM's re-check, whichever comes first).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        user, session_key, deadline = await _member(cookies.get(settings.SESSION_COOKIE_NAME))
        return await self.app(
            {**scope, "user": user, "session_key": session_key, "session_deadline": deadline},
            receive,
            send,
        )


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
    """The member, their session key and when their session is to be checked again.

    A session past its idle timeout or lifetime is ended here and refused
    (``accounts.services.session_check``). A due IAM re-check is left to the
    consumer, in the background (its deadline is then now): this runs in the
    thread every socket's database reads share, which must not wait for the IAM.
    """
    session = _ReadOnlySession(session_key)
    user = get_user(SimpleNamespace(session=session))
    if not user.is_authenticated:
        return user, None, None
    key = session.store.session_key
    try:
        check = services.session_check(
            session_key=key, data=session.store, user=user, now=time.time(), ask_iam=False
        )
    except services.SessionEnded:
        return AnonymousUser(), None, None
    return user, key, check.deadline
