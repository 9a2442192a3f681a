"""The categories' read rules, shared between requests through the cache.

Every page a member opens asks who may read which category: the thread page
for its thread, lists and counts for all of them (the notification badge of
every page among them). The rules are a few dozen rows that change when an
administrator edits a category, so asking the database twice per page
(categories, then their read organisations) is most of a small page's
queries. Here they are read once into a snapshot stored in the cache under
a version; a change to a category or to its read organisations sets a new
version, so the next request reads the rules afresh. There is nothing to
invalidate by hand and no stale rule to wait out.

The version is a random token rather than a counter: a cache that loses the
version key (evicted, flushed) starts a new token and can never land on an
old snapshot written under a reused number. It is set when the change is
made, so later reads in the same transaction see the change, and again after
commit, so a request that read the rules from the database between the two
(seeing the old ones) stored them under a version nobody asks for any more.

A cache that is away makes each request read the rules from the database, as
before: slower, never wrong. Should renewing the version fail (Redis answering
reads but not that write), or the rules change past the model (raw SQL, a
restored database), a snapshot still lives at most ``TIMEOUT``, a minute,
after which it is read afresh; a migration renews the version. Each process
keeps the last snapshot it read, for the version it was read under, at most
``PROCESS_SECONDS``: a request then asks the cache for the version alone,
and the bound above becomes a minute and those seconds. A snapshot
names the database and the code it was made for, so a second site sharing the
Redis (a restore drill) or a deploy that changes ``Rule`` never reads it.

A change not yet committed is seen by later reads in its own transaction (the
version is renewed at once), but they read the database and store nothing:
a transaction that then rolls back leaves no snapshot of what it undid.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from config import cache_versions
from notifications.kinds import renew_access_version

logger = logging.getLogger(__name__)

VERSION_KEY = "forum:category-rules:version"
TIMEOUT = 60
PROCESS_SECONDS = 10
_clock = time.monotonic  # the process's own copy's clock (replaced in tests)


@dataclass(frozen=True, slots=True)
class Rule:
    """What a category's read rule asks for: roles and organisations (empty: any)."""

    read_roles: tuple[str, ...]
    organisation_ids: frozenset[int]
    # The category's address, so that a page addressed by it finds the category's
    # id without a query of its own (``forum.selectors.category_get_for_viewer``).
    slug: str = ""

    @property
    def is_restricted(self) -> bool:
        return bool(self.read_roles or self.organisation_ids)


def _from_database() -> dict[int, Rule]:
    from forum.models import Category

    through = Category.read_organisations.through
    organisations: dict[int, set[int]] = {}
    for category_id, organisation_id in through.objects.values_list(
        "category_id", "organisation_id"
    ):
        organisations.setdefault(category_id, set()).add(organisation_id)
    return {
        pk: Rule(tuple(read_roles or ()), frozenset(organisations.get(pk, ())), slug)
        for pk, read_roles, slug in Category.objects.values_list("pk", "read_roles", "slug")
    }


def at_address(slug: str) -> tuple[int, Rule] | None:
    """The id and rule of the category at ``slug`` as the rules know them (None if
    they know none there): a hint to read the category by, whose slug the reader
    checks. None as well in a transaction that changed the rules: there they are
    read from the database on every call, which the hint was to save."""
    if _changed_in_this_transaction():
        return None
    return next(((pk, rule) for pk, rule in rules().items() if rule.slug == slug), None)


def _snapshot_key(version: str) -> str:
    """Where the snapshot of ``version`` lives: for this database and this ``Rule``."""
    database = settings.DATABASES["default"]
    made_for = repr(
        (
            database.get("HOST"),
            database.get("PORT"),
            str(database["NAME"]),
            *(field.name for field in fields(Rule)),
        )
    )
    digest = hashlib.blake2b(made_for.encode(), digest_size=8).hexdigest()
    return f"forum:category-rules:{digest}:{version}"


# (snapshot key, snapshot, monotonic time until which it may be used): the last
# snapshot this process read. Replaced whole, never changed, so threads share it.
_kept: tuple[str, dict[int, Rule], float] | None = None


def rules() -> dict[int, Rule]:
    """Every category's read rule, by category id. Read it, never change it: it is shared."""
    global _kept
    if _changed_in_this_transaction():
        return _from_database()
    try:
        key = _snapshot_key(cache_versions.current(VERSION_KEY))
        kept = _kept
        if kept is not None and kept[0] == key and _clock() < kept[2]:
            return kept[1]
        snapshot = cache.get(key)
    except Exception:  # a cache that is away slows the page down, never breaks it
        logger.warning("The category rules could not be read from the cache", exc_info=True)
        return _from_database()
    if snapshot is None:
        snapshot = _from_database()
        try:
            cache.set(key, snapshot, TIMEOUT)
        except Exception:
            logger.warning("The category rules could not be cached", exc_info=True)
    _kept = (key, snapshot, _clock() + PROCESS_SECONDS)
    return snapshot


def _new_version() -> None:
    cache_versions.renew(VERSION_KEY)


def _changed_in_this_transaction() -> bool:
    """Does the open transaction hold a change to the rules? Its renewal waits in the
    transaction's commit callbacks, which a rollback (also of a savepoint) drops."""
    return connection.in_atomic_block and any(
        callback is _new_version for _savepoints, callback, _robust in connection.run_on_commit
    )


def changed(**_kwargs: object) -> None:
    """A category or its read organisations changed: read the rules afresh, now and
    after commit (connected in ``ForumConfig.ready``, also after migrations)."""
    _new_version()
    transaction.on_commit(_new_version)
    # Unread counts read the rules: their version is renewed (again) after the
    # rules', or a count made between the two would be kept under the new access
    # version from a snapshot of the old rules stored meanwhile.
    transaction.on_commit(renew_access_version)
