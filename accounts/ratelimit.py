"""Rate limits on sign-in, posting, voting and exports, counted in the cache.

A limit that cannot be counted (the cache is down) lets the request through:
the platform keeps working when Redis does not answer.
"""

import logging
import time
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)

LIMITS = {
    # name: (requests, seconds)
    "sign_in": (20, 60),
    "post": (20, 60),
    "vote": (30, 60),
    "export": (10, 60),
}


def _who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def exceeded(request, name: str) -> bool:
    """Count this request against ``name``; True when over the limit."""
    allowed, window = LIMITS[name]
    bucket = int(time.time() // window)
    key = f"ratelimit:{name}:{_who(request)}:{bucket}"
    try:
        if cache.add(key, 1, window + 5):
            return False
        return cache.incr(key) > allowed
    except Exception:
        logger.warning("Rate limit %s not counted: cache unavailable", name)
        return False


def limited_response(request):
    return render(request, "429.html", status=429)


def rate_limit(name: str, methods: tuple[str, ...] = ("POST",)):
    """Refuse requests over the named limit with a clear 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and exceeded(request, name):
                return limited_response(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
