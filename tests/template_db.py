"""A migrated test database kept as a template, so a test run copies it instead of migrating.

Migrating an empty database takes most of a minute here (Wagtail's migrations
alone render their model states for fifteen seconds), and ``make test`` creates
two test databases side by side, one for the browser tests and one for the
rest. The first run that finds no template migrates its test database as usual
and then keeps a copy of it; every later run, on this machine and in the same
``make test``, starts from that copy and only runs ``migrate`` over it, which
finds nothing to apply and does what follows every migration (content types,
permissions).

The template's name carries a digest of every installed app's migration files
and of the settings their data migrations read, so a changed or added
migration makes a new one. PostgreSQL copies with ``CREATE DATABASE ...
TEMPLATE``; SQLite with its backup API. A lock (an advisory lock on
PostgreSQL, a file lock on SQLite) lets one run make the template while the
other waits for it.

pytest-django's ``--reuse-db`` keeps one run's database for the next run of the
same checkout; it does not help a fresh clone, which is what CI runs.
"""

import contextlib
import fcntl
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

PREFIX = "opencities_template_"
LOCK_ID = 71_720_017  # the advisory lock's key: any number no other code uses


def digest() -> str:
    """What the migrated database depends on: every migration file and the languages."""
    hashed = hashlib.sha256()
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            hashed.update(f"{config.label}/{path.name}".encode())
            hashed.update(path.read_bytes())
    hashed.update(repr((settings.LANGUAGE_CODE, settings.LANGUAGES)).encode())
    return hashed.hexdigest()[:16]


@contextlib.contextmanager
def test_database_from_template() -> Iterator[bool]:
    """Around the creation of the test database: yields True when the test database
    has been copied from the template (create it with ``keepdb``), False when it is to
    be migrated; in that case the template is made from it afterwards."""
    if connection.vendor == "postgresql":
        with _postgresql() as copied:
            yield copied
    elif connection.vendor == "sqlite" and not connection.creation.is_in_memory_db(
        connection.creation._get_test_db_name()
    ):
        with _sqlite() as copied:
            yield copied
    else:
        yield False


def release_test_database() -> None:
    """Ends the sessions still connected to the test database (those of threads and
    servers the tests started), so that it can be dropped."""
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    with _admin_connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


def _admin_connection():
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


@contextlib.contextmanager
def _postgresql() -> Iterator[bool]:
    template = PREFIX + digest()
    test_name = connection.creation._get_test_db_name()
    with _admin_connection() as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
        try:
            found = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [template]
            ).fetchone()
            if found:
                admin.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
                yield True
                return
            yield False
            # A template may have no one connected to it while it is copied: the
            # test database's pooled connections are closed first.
            connection.close()
            connection.close_pool()
            admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{test_name}"')
            # Templates of earlier migrations are of no more use.
            for (name,) in admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                [PREFIX + "%", template],
            ).fetchall():
                with contextlib.suppress(Exception):
                    admin.execute(f'DROP DATABASE "{name}"')
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])


@contextlib.contextmanager
def _sqlite() -> Iterator[bool]:
    test_path = Path(connection.creation._get_test_db_name())
    template = test_path.with_name(f"{PREFIX}{digest()}.sqlite3")
    with (test_path.parent / f"{PREFIX}lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if template.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{test_path}{suffix}").unlink(missing_ok=True)
            _sqlite_copy(template, test_path)
            yield True
            return
        yield False
        connection.close()
        # Copied under another name and then renamed: a run cut off while copying
        # leaves no half-made template behind.
        partial = template.with_suffix(".partial")
        _sqlite_copy(test_path, partial)
        partial.replace(template)
        for old in test_path.parent.glob(f"{PREFIX}*.sqlite3"):
            if old != template:
                old.unlink(missing_ok=True)


def _sqlite_copy(source: Path, target: Path) -> None:
    # The backup API copies what is committed, including what still sits in the
    # write-ahead log, which a file copy would miss.
    with (
        contextlib.closing(sqlite3.connect(source)) as origin,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        origin.backup(copy)
