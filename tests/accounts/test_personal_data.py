"""Personal data: a member downloads theirs; an admin anonymises a departed member."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from accounts import services
from accounts.models import AuditEntry, Role
from forum import services as forum_services
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    user = UserFactory(
        organisation=OrganisationFactory(slug="pori"), display_name="Maija M", roles=[Role.ICT_LEAD]
    )
    forum_services.thread_create(
        actor=user, category=CategoryFactory(slug="ict"), title="Oma ketju", body="Oma viesti"
    )
    return user


def test_member_downloads_their_data(client, member):
    client.force_login(member)
    response = client.get("/profile/data.json")
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert data["profile"]["email"] == member.email
    assert data["profile"]["roles"] == ["ict_lead"]
    assert [p["body"] for p in data["posts"]] == ["Oma viesti"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DATA_EXPORTED, actor=member).exists()


def test_admin_anonymises_a_departed_member_keeping_posts(client, member):
    admin = UserFactory(roles=[Role.PLATFORM_ADMIN])
    with pytest.raises(PermissionDenied):
        services.member_anonymise(actor=UserFactory(), user=member)

    services.member_anonymise(actor=admin, user=member)

    member = type(member).objects.get(pk=member.pk)
    assert member.email.endswith("@anonymised.invalid")
    assert not member.is_active
    assert member.role_set == frozenset()
    page = client.get(f"/forum/t/{member.threads.get().pk}/").content.decode()
    assert "Maija M" not in page
    client.force_login(admin)
    page = client.get(f"/forum/t/{member.threads.get().pk}/").content.decode()
    assert "Former member of Pori" in page
    assert "Oma viesti" in page


def test_audit_entries_are_append_only(member):
    entry = AuditEntry.objects.create(action=AuditEntry.Action.EXPORT, actor=member)
    entry.summary = "changed"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_admin_changes_reach_the_audit_log(client):
    from accounts.models import Organisation

    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    organisation = OrganisationFactory(slug="heinola", name_fi="Heinola")
    response = client.post(
        f"/django-admin/accounts/organisation/{organisation.pk}/change/",
        {
            "slug": "heinola",
            "name_fi": "Heinolan kaupunki",
            "name_sv": "Heinola",
            "name_en": "Heinola",
            "business_id": "",
            "kind": "city",
            "population": "18000",
            "is_active": "on",
            "joined_on": "2026-01-01",
            "left_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Organisation.objects.get(pk=organisation.pk).name_fi == "Heinolan kaupunki"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ADMIN_CHANGE)
    assert entry.actor == superuser
    assert entry.target == f"accounts.organisation:{organisation.pk}"
