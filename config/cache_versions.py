"""Version tokens in the cache, for what is kept there under the version it was
made from (the categories' read rules, pages of posts, unread counts).

A token is a random string, never a counter: a token evicted from the cache, or
lost with it, comes back as a new one, so nothing kept under an older token can
be read again (a counter restarting at 0 would meet its old entries).

Within a request (``ReadOnceMiddleware``) each token is read from the cache
once: a list page asked for the read rules' token three times (finding the
category, the list's kept page, its rows), a round trip to Redis each. The
request then works from the tokens as they were when it first asked, as if it
had run a moment earlier, except for those it renews itself: a token renewed
is read afresh at the next asking.
"""

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# The tokens read so far in this request (None outside one).
_read: ContextVar[dict[str, str] | None] = ContextVar("cache_versions_read", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block, each token is read from the cache once."""
    reset = _read.set({})
    try:
        yield
    finally:
        _read.reset(reset)


class ReadOnceMiddleware:
    """Each request reads each token once (``read_once``). Synchronous only, as the
    rest of the stack (``config.settings.MIDDLEWARE``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with read_once():
            return self.get_response(request)


def current(key: str) -> str:
    """The token under ``key``, made now if the cache holds none. Raises what the
    cache raises when it is away (callers read from the database then)."""
    read = _read.get()
    if read is not None and key in read:
        return read[key]
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, None):
            version = cache.get(key) or version
    if read is not None:
        read[key] = str(version)
    return str(version)


def current_many(keys: Sequence[str]) -> list[str]:
    """The tokens under ``keys``, in order: one read of the cache where it holds them all."""
    return _current_many(keys, None)[0]


def current_many_with(keys: Sequence[str], also: str) -> tuple[list[str], Any]:
    """``current_many(keys)``, and what the cache holds under ``also`` (None if
    nothing), read in one round trip."""
    return _current_many(keys, also)


def _current_many(keys: Sequence[str], also: str | None) -> tuple[list[str], Any]:
    memo = _read.get()
    read = memo if memo is not None else {}
    wanted = [key for key in keys if key not in read]
    if also is not None:
        wanted.append(also)
    found = cache.get_many(wanted) if wanted else {}
    tokens = [
        read[key] if key in read else str(found[key]) if key in found else current(key)
        for key in keys
    ]
    if memo is not None:
        memo.update(zip(keys, tokens, strict=True))
    return tokens, found.get(also) if also is not None else None


def _forget(keys: Sequence[str]) -> None:
    read = _read.get()
    if read is not None:
        for key in keys:
            read.pop(key, None)


def renew(key: str) -> None:
    """A new token under ``key``: what was kept under the old one is never read again."""
    _forget([key])
    try:
        cache.set(key, uuid.uuid4().hex, None)
    except Exception:
        # With the cache away nobody reads what it kept either; when it is back,
        # the token it held may be stale, so say so loudly.
        logger.error("The cache version %s could not be renewed", key, exc_info=True)


def renew_many(keys: Sequence[str]) -> None:
    """``renew`` for each of ``keys``, in one write to the cache."""
    _forget(keys)
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
    except Exception:
        logger.error("The cache versions %s could not be renewed", list(keys), exc_info=True)
