"""A need's attachments are read with the need: a draft's only by its own city."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from downloads.storage import is_random_name
from needs_registry import services
from needs_registry.models import NeedAttachment, Status
from tests.factories import OrganisationFactory, UserFactory
from tests.forum.test_attachments import PDF, PNG, body, fetch, stored_files

pytestmark = pytest.mark.django_db

NEED = {"title": "Porin luonnos", "problem": "p", "desired_outcome": "o", "domain": "ict"}


@pytest.fixture
def city():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    return {
        "author": UserFactory(organisation=pori, roles=[Role.ICT_LEAD]),
        "colleague": UserFactory(organisation=pori),
        "other_city": UserFactory(organisation=porvoo, roles=[Role.ICT_LEAD]),
        "steering": UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP]),
    }


@pytest.fixture
def draft_attachment(city):
    need = services.need_create(actor=city["author"], data=NEED)
    return services.need_attachment_add(
        actor=city["author"], need=need, upload=SimpleUploadedFile("Selvitys.pdf", PDF)
    )


def test_a_drafts_attachment_is_its_citys_alone(client, city, draft_attachment):
    for outsider in [None, city["other_city"], city["steering"]]:
        assert fetch(client, outsider, draft_attachment).status_code == 404
    response = fetch(client, city["colleague"], draft_attachment)
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="Selvitys.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"

    # Submitted, the need and its attachment are public.
    services.need_transition(
        actor=city["author"], need=draft_attachment.need, to_status=Status.SUBMITTED
    )
    assert fetch(client, None, draft_attachment).status_code == 200


def test_the_need_page_links_the_download_not_the_stored_file(client, city, draft_attachment):
    client.force_login(city["colleague"])
    page = client.get(draft_attachment.need.get_absolute_url()).content.decode()
    assert f'href="/needs/attachments/{draft_attachment.pk}/"' in page
    assert draft_attachment.file.name not in page


def test_a_refused_attachment_stores_no_file(client, city, draft_attachment, settings):
    before = stored_files(settings)
    # Another city may not even see the draft; a bad file is refused on its content.
    client.force_login(city["other_city"])
    upload = SimpleUploadedFile("kaavio.png", PNG)
    response = client.post(f"/needs/{draft_attachment.need.pk}/attachments/", {"file": upload})
    assert response.status_code == 404
    client.force_login(city["author"])
    client.post(
        f"/needs/{draft_attachment.need.pk}/attachments/",
        {"file": SimpleUploadedFile("virus.png", b"MZ not a picture")},
    )
    assert stored_files(settings) == before
    assert NeedAttachment.objects.count() == 1

    client.post(
        f"/needs/{draft_attachment.need.pk}/attachments/",
        {"file": SimpleUploadedFile("kaavio.png", PNG)},
    )
    assert len(stored_files(settings)) == len(before) + 1
    assert NeedAttachment.objects.count() == 2


def test_stored_names_are_random(draft_attachment):
    assert is_random_name(draft_attachment.file.name, "needs"), draft_attachment.file.name
    assert draft_attachment.original_name == "Selvitys.pdf"


def test_files_stored_under_the_uploaders_name_move_to_random_names(draft_attachment):
    legacy = default_storage.save("needs/2025/05/Porin luonnos.pdf", ContentFile(PDF))
    NeedAttachment.objects.filter(pk=draft_attachment.pk).update(file=legacy)
    migration = importlib.import_module("needs_registry.migrations.0003_attachment_random_names")
    migration.rename_stored_files(apps, None)
    draft_attachment.refresh_from_db()
    assert is_random_name(draft_attachment.file.name, "needs")
    assert not default_storage.exists(legacy)
    with draft_attachment.file.open("rb") as moved:
        assert moved.read() == PDF
