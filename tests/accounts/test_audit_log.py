"""The audit log is append-only, in Python and in the database, and says who acted."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from accounts import services
from accounts.models import AuditEntry, Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    actor = UserFactory(display_name="Johan Berg", organisation=OrganisationFactory(slug="pori"))
    return services.audit_record(
        action=AuditEntry.Action.NEED_EDITED, actor=actor, target="need:1", summary="title"
    )


def test_an_entry_keeps_who_acted_when_written(entry):
    assert entry.actor_name == "Johan Berg"
    assert entry.actor_organisation == "pori"
    assert entry.actor_label == "Johan Berg (pori)"


def test_single_entries_cannot_be_changed_or_deleted(entry):
    entry.summary = "changed"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_bulk_update_and_delete_are_refused(entry):
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.update(summary="rewritten")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.bulk_update([entry], ["summary"])
    entry.refresh_from_db()
    assert entry.summary == "title"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditentry SET summary = 'rewritten'",
        "UPDATE accounts_auditentry SET actor_name = ''",
        "DELETE FROM accounts_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_delete_entries(entry, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    entry.refresh_from_db()
    assert entry.summary == "title"
    assert entry.actor_name == "Johan Berg"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_log(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE accounts_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_still_takes_new_entries(entry):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditentry"
            " (created_at, action, target, summary, data, actor_name, actor_organisation)"
            " VALUES (CURRENT_TIMESTAMP, 'export', '', 'raw', '{}', '', '')"
        )
    assert AuditEntry.objects.filter(summary="raw").exists()


def test_removing_the_member_keeps_their_entries_and_who_they_were(entry):
    actor_id = entry.actor_id
    type(entry.actor).objects.filter(pk=actor_id).delete()

    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor_id == actor_id
    assert kept.actor_label == "Johan Berg (pori)"


def test_the_audit_log_page_shows_who_acted(client, entry):
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    assert "Johan Berg (pori)" in page
    type(entry.actor).objects.filter(pk=entry.actor_id).delete()
    page = client.get("/audit/").content.decode()
    assert "Johan Berg (pori)" in page


def test_profile_changes_are_audited_by_field_name(client):
    member = UserFactory(title="Suunnittelija")
    client.force_login(member)
    response = client.post(
        "/profile/",
        {
            "title": "Tietohallintopäällikkö",
            "preferred_language": member.preferred_language,
            "notification_email": "daily",
            "expertise": "",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PROFILE_CHANGED)
    assert entry.actor == member
    assert entry.target == f"user:{member.pk}"
    assert entry.data == {"fields": ["notification_email", "title"]}
    assert "Tietohallintopäällikkö" not in entry.summary


def _wagtail_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True, display_name="Anna Admin")
    client.force_login(admin)
    return admin


def test_organisation_changes_in_wagtail_are_audited(client):
    admin = _wagtail_admin(client)
    organisation = OrganisationFactory(slug="heinola", name_fi="Heinola", population=18000)
    response = client.post(
        f"/admin/snippets/accounts/organisation/edit/{organisation.pk}/",
        {
            "slug": "heinola",
            "name_fi": "Heinolan kaupunki",
            "name_sv": organisation.name_sv,
            "name_en": organisation.name_en,
            "business_id": "",
            "kind": "city",
            "population": "18000",
            "is_active": "on",
            "joined_on": "2026-01-01",
            "left_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ORGANISATION_EDITED)
    assert entry.actor == admin
    assert entry.actor_name == "Anna Admin"
    assert entry.target == f"accounts.organisation:{organisation.pk}"
    assert entry.data["changes"] == {"name_fi": ["Heinola", "Heinolan kaupunki"]}


def test_category_changes_in_wagtail_are_audited(client):
    from forum.models import Category

    admin = _wagtail_admin(client)
    pori = OrganisationFactory(slug="pori")
    fields = {
        "slug": "talous",
        "name_fi": "Talous",
        "name_sv": "Ekonomi",
        "name_en": "Finance",
        "description_fi": "",
        "description_sv": "",
        "description_en": "",
        "domain": "finance",
        "position": "1",
        "read_roles": "[]",
        "start_roles": "[]",
        "default_publicity": "internal",
    }
    response = client.post("/admin/snippets/forum/category/add/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get(slug="talous")
    response = client.post(
        f"/admin/snippets/forum/category/edit/{category.pk}/",
        {**fields, "read_roles": '["ict_lead"]', "read_organisations": [pori.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(f"/admin/snippets/forum/category/delete/{category.pk}/")
    assert response.status_code == 302, response.content.decode()[:2000]

    entries = list(
        AuditEntry.objects.filter(action=AuditEntry.Action.CATEGORY_CHANGED).order_by("id")
    )
    assert [e.data["verb"] for e in entries] == ["added", "changed", "deleted"]
    assert all(e.actor == admin and e.target == f"forum.category:{category.pk}" for e in entries)
    assert entries[1].data["changes"] == {
        "read_organisations": [[], [pori.pk]],
        "read_roles": [[], ["ict_lead"]],
    }
