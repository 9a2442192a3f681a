"""Version tokens in the cache, for what is kept there under the version it was
made from (the categories' read rules, pages of posts, unread counts).

A token is a random string, never a counter: a token evicted from the cache, or
lost with it, comes back as a new one, so nothing kept under an older token can
be read again (a counter restarting at 0 would meet its old entries).
"""

import logging
import uuid
from collections.abc import Sequence

from django.core.cache import cache

logger = logging.getLogger(__name__)


def current(key: str) -> str:
    """The token under ``key``, made now if the cache holds none. Raises what the
    cache raises when it is away (callers read from the database then)."""
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(key, version, None):
            version = cache.get(key) or version
    return str(version)


def current_many(keys: Sequence[str]) -> list[str]:
    """The tokens under ``keys``, in order: one read of the cache where it holds them all."""
    found = cache.get_many(keys)
    return [str(found[key]) if key in found else current(key) for key in keys]


def renew(key: str) -> None:
    """A new token under ``key``: what was kept under the old one is never read again."""
    try:
        cache.set(key, uuid.uuid4().hex, None)
    except Exception:
        # With the cache away nobody reads what it kept either; when it is back,
        # the token it held may be stale, so say so loudly.
        logger.error("The cache version %s could not be renewed", key, exc_info=True)


def renew_many(keys: Sequence[str]) -> None:
    """``renew`` for each of ``keys``, in one write to the cache."""
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
    except Exception:
        logger.error("The cache versions %s could not be renewed", list(keys), exc_info=True)
