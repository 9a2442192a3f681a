"""The backup and restore drill: a seeded platform, backed up, restored into an empty
database and an empty uploads folder, is found whole: every post, need, vote,
attachment (byte for byte) and audit entry.

Runs on the test database's engine (PostgreSQL with ``pg_dump``/``pg_restore``
when ``DATABASE_URL`` names one, SQLite otherwise).
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AuditEntry, Role
from accounts.services import audit_record
from forum import services as forum_services
from forum.models import Attachment, Post
from frontend.backups import COUNTED, Database
from needs_registry import services as need_services
from needs_registry.models import CityVote, Need, NeedAttachment, Status
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
NEED = {
    "title": "Laskutuksen automatisointi",
    "problem": "Laskut käsitellään käsin.",
    "desired_outcome": "Laskut kulkevat automaattisesti.",
    "domain": "finance",
    "one_off_cost_eur": Decimal("40000"),
    "yearly_cost_eur": Decimal("10000"),
    "contract_years": 4,
    "benefit_hours_per_year": 800,
}


@pytest.fixture
def platform():
    """Two cities, a thread with posts and an attachment, needs with city votes, audit entries."""
    pori = OrganisationFactory(slug="pori")
    porvoo = OrganisationFactory(slug="porvoo")
    expert = UserFactory(organisation=pori)
    pori_lead = UserFactory(organisation=pori, roles=[Role.ICT_LEAD])
    porvoo_lead = UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD])
    category = CategoryFactory(slug="talous", domain="finance")
    thread = forum_services.thread_create(
        actor=expert, category=category, title="Laskujen kierto", body="Miten teillä?"
    )
    post = forum_services.post_create(
        actor=pori_lead,
        thread=thread,
        body="Kaavio liitteenä.",
        uploads=[SimpleUploadedFile("kaavio.png", PNG, content_type="image/png")],
    )
    attachment = post.attachments.get()
    forum_services.post_create(actor=porvoo_lead, thread=thread, body="Meillä samoin.")
    for title in ["Laskutuksen automatisointi", "Sähköinen arkisto"]:
        need = need_services.need_create(actor=expert, data={**NEED, "title": title})
        need = need_services.need_transition(actor=pori_lead, need=need, to_status=Status.SUBMITTED)
        need_services.city_vote_cast(actor=pori_lead, need=need, comment="Tärkeä")
        need_services.city_vote_cast(actor=porvoo_lead, need=need)
    need_attachment = need_services.need_attachment_add(
        actor=pori_lead,
        need=need,
        upload=SimpleUploadedFile("prosessi.png", PNG, content_type="image/png"),
    )
    need_services.need_create(actor=expert, data={**NEED, "title": "Luonnos"})
    audit_record(action=AuditEntry.Action.SIGN_IN, actor=expert, target=f"user:{expert.pk}")
    return {"attachment": attachment, "need_attachment": need_attachment}


def snapshot() -> dict:
    """What must come back, read from the platform's own database."""
    return {
        "posts": sorted(Post.objects.values_list("pk", "thread_id", "number", "body")),
        "needs": sorted(Need.objects.values_list("pk", "title", "status", "organisation_id")),
        "votes": sorted(CityVote.objects.values_list("need_id", "organisation_id", "comment")),
        "attachments": sorted(Attachment.objects.values_list("pk", "post_id", "file")),
        "need attachments": sorted(NeedAttachment.objects.values_list("pk", "need_id", "file")),
        "audit": sorted(AuditEntry.objects.values_list("pk", "action", "target")),
    }


def select(cursor, model, columns: str) -> list[tuple]:
    # Table and column names are the models' own, never input.
    cursor.execute(f"SELECT {columns} FROM {model._meta.db_table}")  # noqa: S608
    return sorted(tuple(row) for row in cursor.fetchall())


def restored_snapshot(database: Database) -> dict:
    """The same, read with plain SQL from the restored database."""
    db = database.connect()
    try:
        cursor = db.cursor()
        return {
            "posts": select(cursor, Post, "id, thread_id, number, body"),
            "needs": select(cursor, Need, "id, title, status, organisation_id"),
            "votes": select(cursor, CityVote, "need_id, organisation_id, comment"),
            "attachments": select(cursor, Attachment, "id, post_id, file"),
            "need attachments": select(cursor, NeedAttachment, "id, need_id, file"),
            "audit": select(cursor, AuditEntry, "id, action, target"),
        }
    finally:
        db.close()


@pytest.fixture
def empty_database(tmp_path):
    """An empty database of the test database's engine, and its URL."""
    source = Database.from_settings(connection.settings_dict)
    if source.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield Database(vendor="sqlite", name=str(path)), f"sqlite:///{path}"
        return
    import psycopg

    name = f"{source.name}_restored"
    admin = psycopg.connect(
        dbname="postgres",
        host=source.host or None,
        port=source.port or None,
        user=source.user or None,
        password=source.password or None,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    target = Database(**{**source.__dict__, "name": name})
    auth = f"{source.user}:{source.password}@" if source.password else f"{source.user}@"
    try:
        yield target, f"postgres://{auth}{source.host}:{source.port or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_restored_platform_has_every_post_need_vote_attachment_and_audit_entry(
    platform, empty_database, tmp_path, settings
):
    database, url = empty_database
    before = snapshot()
    assert before["posts"] and before["needs"] and before["votes"]
    assert before["attachments"] and before["need attachments"] and before["audit"]
    backup_dir = tmp_path / "backup"

    call_command("backup", to=backup_dir)
    restored_media = tmp_path / "restored-media"
    call_command("restore", source=backup_dir, database_url=url, media_root=restored_media)

    assert restored_snapshot(database) == before
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert database.counts() == manifest["counts"]
    assert set(manifest["counts"]) == set(COUNTED)
    for kept in (platform["attachment"], platform["need_attachment"]):
        original = Path(settings.MEDIA_ROOT) / kept.file.name
        copy = restored_media / kept.file.name
        assert copy.read_bytes() == original.read_bytes() == PNG


def test_the_restored_audit_log_is_still_append_only(platform, empty_database, tmp_path):
    database, url = empty_database
    call_command("backup", to=tmp_path / "backup")
    call_command("restore", source=tmp_path / "backup", database_url=url, media_root=tmp_path / "m")
    db = database.connect()
    try:
        cursor = db.cursor()
        assert select(cursor, AuditEntry, "id")
        with pytest.raises(Exception, match="append-only"):
            cursor.execute("UPDATE accounts_auditentry SET target = 'x'")
    finally:
        db.close()


def test_restore_refuses_a_database_that_is_not_empty(platform, tmp_path):
    posts = Post.objects.count()
    call_command("backup", to=tmp_path / "backup")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", source=tmp_path / "backup", media_root=tmp_path / "m")
    assert Post.objects.count() == posts


def test_restore_refuses_a_damaged_backup(platform, empty_database, tmp_path):
    database, url = empty_database
    call_command("backup", to=tmp_path / "backup")
    archive = tmp_path / "backup" / "media.tar"
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(CommandError, match="damaged"):
        call_command(
            "restore", source=tmp_path / "backup", database_url=url, media_root=tmp_path / "m"
        )
    assert database.table_names() == []
