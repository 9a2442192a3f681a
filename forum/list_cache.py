"""Kept pages of thread lists: which threads a list's page shows, and how many the
list holds, for one member.

Finding page 100 of a category of 10,000 threads means counting every thread the
member may read there and walking the first 3,000 of them in order: several
milliseconds on every view, growing with the forum. What those two answers
depend on is small and known, so they are kept in the cache under it:

- the member, and everything about them that the read rule asks (the categories
  they may read, their organisation, roles and moderation rights);
- the list (category, tag, page);
- ``VERSION_KEY``, renewed once committed by every change that may add a thread
  to a list, take one away or move one in it: a thread saved or deleted (new,
  moved, hidden, its publicity or audience changed), a thread event that lists
  show (a new post moves its thread to the top), a tag added, removed or
  renamed, and a member's tracking level (muted threads leave the front page).

The threads themselves, and the member's own state of each, are always read
afresh, and under the read rule again (``forum.selectors.thread_list``): should
a renewal be lost (the cache away at the moment of a change, a restore, raw
SQL), a kept page can miss a new thread for up to ``TIMEOUT`` but never shows
one the member may no longer read. Nothing is kept inside a transaction, so
nothing that could still be rolled back is cached.
"""

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from accounts.models import User
from config import cache_versions
from forum import permissions

logger = logging.getLogger(__name__)

VERSION_KEY = "forum:thread-lists:version"
# A kept page outlives no version change; the timeout only bounds what a change
# made behind the platform's back (raw SQL, a restore) leaves standing.
TIMEOUT = 60

# (page number shown, threads in the list, the page's thread ids in order)
Kept = tuple[int, int, list[int]]


def kept_page(
    viewer: User, *, category_id: int | None, tag: str, page: Any, find: Callable[[], Kept]
) -> Kept:
    """The page of the list, from the cache where kept, else from ``find``."""
    if connection.in_atomic_block:
        return find()
    try:
        key = _key(viewer, category_id, tag, page, cache_versions.current(VERSION_KEY))
        kept = cache.get(key)
    except Exception:  # a cache that is away slows the page down, never breaks it
        logger.warning("A thread list could not be read from the cache", exc_info=True)
        return find()
    if kept is not None:
        return kept
    found = find()
    try:
        cache.set(key, found, TIMEOUT)
    except Exception:
        logger.warning("A thread list could not be cached", exc_info=True)
    return found


def _key(viewer: User, category_id: int | None, tag: str, page: Any, version: str) -> str:
    from forum.fragments import build_token

    readable, restricted = permissions.category_access(viewer)
    database = settings.DATABASES["default"]
    made_of = repr(
        (
            (database.get("HOST"), database.get("PORT"), str(database["NAME"])),
            # A release may read the rule otherwise.
            build_token(),
            version,
            viewer.pk,
            readable,
            restricted,
            permissions.is_member(viewer),
            permissions.can_moderate(viewer),
            viewer.organisation_id if viewer.is_authenticated else None,
            sorted(viewer.role_set) if viewer.is_authenticated else [],
            category_id,
            # As typed: the database's case-insensitive match is its own to make.
            tag,
            str(page),
        )
    )
    return "forum:thread-list:" + hashlib.blake2b(made_of.encode(), digest_size=16).hexdigest()


def changed(**kwargs: Any) -> None:
    """Receiver (connected in ``ForumConfig.ready``): a list may show other threads,
    or in another order, once the change is committed (a rollback renews nothing).
    A transaction's changes renew the version once."""
    if _changes_no_list(kwargs) or _renewal_waiting():
        return
    transaction.on_commit(renew)


def renew() -> None:
    cache_versions.renew(VERSION_KEY)


def _changes_no_list(kwargs: dict[str, Any]) -> bool:
    """A many-to-many change is announced before and after; the lists change after."""
    return str(kwargs.get("action", "")).startswith("pre_")


def _renewal_waiting() -> bool:
    return connection.in_atomic_block and any(
        callback is renew for _savepoints, callback, _robust in connection.run_on_commit
    )
