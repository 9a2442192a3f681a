"""Rate limits on every write, on sign-in, search, the API, exports and the
back-channel endpoint, counted in the cache.

A signed-in member is counted by their id, so members behind one office proxy
never share a budget; anyone else by their client address, which
``client_address`` takes from ``X-Forwarded-For`` only through the configured
number of trusted proxies (``TRUSTED_PROXY_COUNT``), so a forged left-most hop
changes nothing.

Counting is one atomic ``cache.add`` (the first request, which opens a window
of the limit's length) or ``cache.incr`` (every other request in the window)
on Redis in production. A limit that cannot
be counted (the cache is down) lets the request through with a logged warning:
the platform keeps working when Redis does not answer.
"""

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django import forms
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

LIMITS: dict[str, tuple[int, int]] = {
    # name: (requests, seconds); ``settings.RATE_LIMITS`` overrides any of them.
    "sign_in": (20, 60),
    "backchannel": (30, 60),
    "post": (20, 60),
    "thread": (10, 300),
    "edit": (30, 60),
    "react": (60, 60),
    "flag": (10, 600),
    "draft": (60, 60),
    "preview": (60, 60),
    "mention": (120, 60),
    "read": (120, 60),
    "watch": (30, 60),
    "moderate": (60, 60),
    "notifications": (30, 60),
    "profile": (10, 60),
    "vote": (30, 60),
    "points": (30, 60),
    "position": (30, 60),
    "need": (20, 300),
    "attachment": (20, 300),
    "steering": (30, 60),
    "search": (30, 60),
    "suggest": (120, 60),
    "api": (120, 60),
    "export": (10, 60),
}


def limit_for(name: str) -> tuple[int, int]:
    """The (requests, seconds) of ``name``: the setting's value, else the default."""
    return tuple(getattr(settings, "RATE_LIMITS", {}).get(name, LIMITS[name]))


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as far as it can be trusted.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``, so with ``TRUSTED_PROXY_COUNT`` = n the client is the
    n-th entry from the right; everything left of it is what the client wrote
    and is ignored. With no trusted proxy, or a header that is missing,
    too short or not made of addresses, ``REMOTE_ADDR`` is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not header:
        return remote
    entries = header.split(",")
    if len(entries) < hops:
        return remote
    trusted = [_valid_address(entry) for entry in entries[-hops:]]
    if None in trusted:
        return remote
    return trusted[0]


def _who(request: HttpRequest, per_address: bool) -> str:
    user = getattr(request, "user", None)
    if not per_address and user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(request)}"


def exceeded(request: HttpRequest, name: str, *, per_address: bool = False) -> bool:
    """Count this request against ``name``; True when it is over the limit."""
    allowed, window = limit_for(name)
    # A window opens with the first request and lasts ``window`` seconds:
    # ``incr`` keeps the expiry that ``add`` set.
    key = f"ratelimit:{name}:{_who(request, per_address)}"
    try:
        if cache.add(key, 1, window):
            return allowed < 1
        try:
            count = cache.incr(key)
        except ValueError:
            # The window closed between add and incr: this request opens the next one.
            cache.add(key, 1, window)
            count = 1
    except Exception:
        logger.warning("Rate limit %s not counted: cache unavailable", name, exc_info=True)
        return False
    return count > allowed


@dataclass
class Resend:
    """What the member sent, to be shown again on the refusal page and sent again."""

    visible: list[tuple[str, str, str, bool]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    had_files: bool = False


def _resend(request: HttpRequest, form_class: type[forms.BaseForm] | None) -> Resend | None:
    if request.method != "POST":
        return None
    fields = form_class.base_fields if form_class is not None else {}
    resend = Resend(had_files=bool(request.FILES))
    for name in request.POST:
        if name == "csrfmiddlewaretoken":
            continue
        values = request.POST.getlist(name)
        field_ = fields.get(name)
        typed = (
            field_ is not None
            and isinstance(field_, forms.CharField)
            and not field_.widget.is_hidden
            and len(values) == 1
        )
        if typed:
            multiline = isinstance(field_.widget, forms.Textarea)
            resend.visible.append((name, str(field_.label or name), values[0], multiline))
        else:
            resend.hidden.extend((name, value) for value in values)
    return resend


def limited_response(
    request: HttpRequest, name: str = "", form_class: type[forms.BaseForm] | None = None
) -> HttpResponse:
    """The answer to a refused request: 429, in the member's language, keeping what
    they typed. A page re-shows the submitted form (labelled by ``form_class``'s
    fields) to send again after the wait; a ``fetch`` request gets JSON."""
    window = limit_for(name)[1] if name else 60
    message = _("You did that many times in a short while. Wait a minute and try again.")
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {
                "detail": message,
                "errors": {"__all__": [{"message": message, "code": "rate_limited"}]},
            },
            status=429,
        )
    else:
        response = render(
            request,
            "429.html",
            {"message": message, "resend": _resend(request, form_class)},
            status=429,
        )
    response["Retry-After"] = str(window)
    return response


def rate_limit(
    name: str,
    *,
    methods: tuple[str, ...] = ("POST",),
    form: type[forms.BaseForm] | None = None,
    per_address: bool = False,
) -> Callable:
    """Count each ``methods`` request to the view against the limit ``name`` and
    refuse those over it with ``limited_response``, before the view runs.

    ``form`` names the view's form, so the refusal page shows the typed text
    under the form's labels; ``per_address`` counts by client address even for
    a signed-in request (an endpoint called by a server, not a member).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods and exceeded(request, name, per_address=per_address):
                return limited_response(request, name, form)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def check_rate_limits(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``RATE_LIMITS`` may only name known limits, each with positive numbers:
    a misspelt name would otherwise leave the default in force unnoticed."""
    errors = []
    for name, value in getattr(settings, "RATE_LIMITS", {}).items():
        if name not in LIMITS:
            errors.append(
                checks.Error(
                    f"RATE_LIMITS names an unknown limit {name!r}.",
                    hint=f"Known limits: {', '.join(sorted(LIMITS))}.",
                    id="accounts.E001",
                )
            )
        elif len(value) != 2 or min(value) < 1:
            errors.append(
                checks.Error(
                    f"RATE_LIMITS[{name!r}] must be [requests, seconds], both at least 1.",
                    id="accounts.E002",
                )
            )
    return errors
