"""Backing up the platform (its database and its uploads) and restoring it.

A backup is one folder:

* ``database.dump`` (PostgreSQL, ``pg_dump``'s custom format) or
  ``database.sqlite3`` (SQLite, a consistent copy made by SQLite's backup API);
* ``media.tar``: everything under ``MEDIA_ROOT`` (attachments, Wagtail images
  and documents);
* ``manifest.json``: when and from which engine, each file's SHA-256, every
  upload's SHA-256, and the row counts of what a restore must bring back.

The database is dumped before the uploads are packed, so every upload the
database names is in the backup. A restore writes only into an empty
database and an empty uploads folder, and checks the counts and checksums
afterwards. ``pg_restore`` loads each table's rows with ``COPY`` before it
creates the triggers, indexes and constraints, so the audit log's
append-only triggers (``accounts/migrations/0003_audit_append_only.py``) are
never asked to let a row change: a restore only inserts.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1

# What a restore must bring back, counted in the backup and in the restored database.
COUNTED = {
    "members": "accounts.User",
    "organisations": "accounts.Organisation",
    "audit_entries": "accounts.AuditEntry",
    "threads": "forum.Thread",
    "posts": "forum.Post",
    "post_revisions": "forum.PostRevision",
    "attachments": "forum.Attachment",
    "thread_events": "forum.ThreadEvent",
    "needs": "needs_registry.Need",
    "city_positions": "needs_registry.CityPosition",
    "city_votes": "needs_registry.CityVote",
    "vote_records": "needs_registry.VoteRecord",
    "need_attachments": "needs_registry.NeedAttachment",
    "decisions": "steering.Decision",
}


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Database:
    """Where a database is: the engine's vendor and what its client tools need."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> "Database":
        engine = settings_dict["ENGINE"]
        if "postgresql" in engine:
            vendor = "postgresql"
        elif "sqlite" in engine:
            vendor = "sqlite"
        else:
            raise BackupError(f"Backups are made of PostgreSQL or SQLite, not {engine}.")
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls.from_settings(dj_database_url.parse(url))

    def client_args(self) -> list[str]:
        """Connection options of ``pg_dump`` and ``pg_restore``."""
        args = ["--dbname", self.name]
        for flag, value in (
            ("--host", self.host),
            ("--port", self.port),
            ("--username", self.user),
        ):
            if value:
                args += [flag, value]
        return args

    def client_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self):
        """A plain DB-API connection, outside Django's connection handling."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)
        import psycopg

        return psycopg.connect(
            dbname=self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
        )

    def table_names(self) -> list[str]:
        if self.vendor == "sqlite" and not Path(self.name).exists():
            return []
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if self.vendor == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(query)
            return [row[0] for row in cursor.fetchall()]
        finally:
            connection.close()

    def counts(self, cursor=None) -> dict[str, int]:
        """Rows of each counted table (through ``cursor`` when given)."""
        if cursor is not None:
            return _count(cursor)
        connection = self.connect()
        try:
            return _count(connection.cursor())
        finally:
            connection.close()


def _count(cursor) -> dict[str, int]:
    result = {}
    for key, label in COUNTED.items():
        table = apps.get_model(label)._meta.db_table
        # Table names come from the models, never from input.
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
        result[key] = cursor.fetchone()[0]
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command: list[str], database: Database) -> None:
    completed = subprocess.run(  # noqa: S603
        command, env=database.client_env(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()}")


def _media_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def backup(*, to: Path, alias: str = "default") -> dict[str, Any]:
    """Write a backup of database ``alias`` and of ``MEDIA_ROOT`` into the empty folder ``to``.

    Returns the manifest it wrote.
    """
    to.mkdir(parents=True, exist_ok=True)
    if any(to.iterdir()):
        raise BackupError(f"{to} is not empty; a backup goes into a folder of its own.")
    database = Database.from_settings(connections[alias].settings_dict)
    connections[alias].close()
    if database.vendor == "postgresql":
        dump = to / POSTGRES_DUMP
        # Count and dump from one snapshot, so the counts are the dump's even
        # while members keep writing.
        import psycopg

        connection = database.connect()
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = database.counts(cursor)
            _run(
                [
                    "pg_dump",
                    *database.client_args(),
                    f"--snapshot={snapshot}",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(dump),
                ],
                database,
            )
        finally:
            connection.rollback()
            connection.close()
    else:
        dump = to / SQLITE_COPY
        source = sqlite3.connect(database.name)
        target = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        counts = Database(vendor="sqlite", name=str(dump)).counts()

    media_root = Path(settings.MEDIA_ROOT)
    media = _media_files(media_root)
    archive = to / MEDIA_ARCHIVE
    with tarfile.open(archive, "w") as tar:
        for name in media:
            tar.add(media_root / name, arcname=name, recursive=False)

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": database.vendor,
        "database": dump.name,
        "files": {dump.name: _sha256(dump), archive.name: _sha256(archive)},
        "media": media,
        "counts": counts,
    }
    (to / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The backup's manifest, after checking that its files are whole."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, checksum in manifest["files"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != checksum:
            raise BackupError(f"{path} is missing or damaged (checksum differs).")
    return manifest


def restore(*, source: Path, database: Database, media_root: Path) -> dict[str, Any]:
    """Restore the backup in ``source`` into the empty ``database`` and ``media_root``.

    Refuses a database that has any table and an uploads folder that has any
    file. After restoring, compares the row counts and every upload's
    checksum with the manifest; returns the restored counts.
    """
    manifest = read_manifest(source)
    if manifest["vendor"] != database.vendor:
        raise BackupError(
            f"The backup is of {manifest['vendor']}; it restores into {manifest['vendor']} only."
        )
    if database.table_names():
        raise BackupError(
            f"Database {database.name} is not empty; a restore writes into an empty one."
        )
    if media_root.exists() and any(path.is_file() for path in media_root.rglob("*")):
        raise BackupError(f"{media_root} is not empty; a restore writes into an empty folder.")

    dump = source / manifest["database"]
    if database.vendor == "postgresql":
        _run(
            [
                "pg_restore",
                *database.client_args(),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            ],
            database,
        )
    else:
        Path(database.name).parent.mkdir(parents=True, exist_ok=True)
        source_db = sqlite3.connect(dump)
        target = sqlite3.connect(database.name)
        try:
            source_db.backup(target)
        finally:
            target.close()
            source_db.close()

    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_ARCHIVE) as tar:
        tar.extractall(media_root, filter="data")

    counts = database.counts()
    if counts != manifest["counts"]:
        differ = {
            k: (manifest["counts"].get(k), v)
            for k, v in counts.items()
            if manifest["counts"].get(k) != v
        }
        raise BackupError(f"Restored rows differ from the backup (backup, restored): {differ}")
    restored_media = _media_files(media_root)
    if restored_media != manifest["media"]:
        raise BackupError("Restored uploads differ from the backup.")
    return counts


def summary(counts: dict[str, int]) -> str:
    out = io.StringIO()
    for key, value in counts.items():
        out.write(f"  {key.replace('_', ' ')}: {value}\n")
    return out.getvalue()
