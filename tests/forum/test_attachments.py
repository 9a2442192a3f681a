"""Forum attachments go out only through a download that asks the post's read rule."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import FileResponse

from accounts.models import Role
from downloads.storage import is_random_name
from forum import services
from forum.models import Attachment
from tests.factories import CategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def people():
    pori, porvoo = OrganisationFactory(slug="pori"), OrganisationFactory(slug="porvoo")
    return {
        "steering": UserFactory(organisation=pori, roles=[Role.STEERING_GROUP]),
        "reader": UserFactory(organisation=porvoo, roles=[Role.STEERING_GROUP]),
        "outsider": UserFactory(organisation=porvoo),
        "moderator": UserFactory(organisation=porvoo, roles=[Role.MODERATOR]),
    }


@pytest.fixture
def board_attachment(people):
    """A picture attached to a post in the steering group's restricted category."""
    board = CategoryFactory(slug="board", read_roles=[Role.STEERING_GROUP])
    thread = services.thread_create(
        actor=people["steering"],
        category=board,
        title="Budjetti",
        body="Luonnos liitteenä",
        publicity="internal",
        uploads=[SimpleUploadedFile("kaavio.png", PNG, content_type="image/png")],
    )
    return thread.posts.get().attachments.get()


def fetch(client, user, attachment):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(attachment.get_absolute_url())


def test_restricted_attachment_is_read_only_by_the_category_readers(
    client, people, board_attachment
):
    for outsider in [None, people["outsider"], people["moderator"]]:
        assert fetch(client, outsider, board_attachment).status_code == 404
    response = fetch(client, people["reader"], board_attachment)
    assert response.status_code == 200
    assert body(response) == PNG


def test_the_attachment_of_a_deleted_post_is_gone_for_everyone(
    client, people, board_attachment, settings, django_capture_on_commit_callbacks
):
    assert fetch(client, people["reader"], board_attachment).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(actor=people["steering"], post=board_attachment.post)
    for user in [None, people["outsider"], people["reader"], people["steering"]]:
        assert fetch(client, user, board_attachment).status_code == 404
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_the_attachment_of_a_hidden_post_is_not_served(client, people, board_attachment):
    assert fetch(client, people["reader"], board_attachment).status_code == 200
    board_attachment.post.is_hidden = True
    board_attachment.post.save()
    assert fetch(client, people["reader"], board_attachment).status_code == 404


def test_a_reader_who_loses_the_role_loses_the_attachment(client, people, board_attachment):
    assert fetch(client, people["reader"], board_attachment).status_code == 200
    people["reader"].roles.all().delete()
    assert fetch(client, people["reader"], board_attachment).status_code == 404


def test_the_proxy_sends_the_bytes_when_configured(client, people, board_attachment, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    response = fetch(client, people["reader"], board_attachment)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{board_attachment.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Nothing leaks through the proxy to someone who may not read the post.
    outsider = fetch(client, people["outsider"], board_attachment)
    assert outsider.status_code == 404
    assert not outsider.has_header("X-Accel-Redirect")

    settings.PROTECTED_FILES_ACCEL_PREFIX = ""
    response = fetch(client, people["reader"], board_attachment)
    assert isinstance(response, FileResponse)
    assert not response.has_header("X-Accel-Redirect")
    assert body(response) == PNG


def test_download_headers(client, people, board_attachment):
    picture = fetch(client, people["reader"], board_attachment)
    assert picture["Content-Disposition"] == (
        "inline; filename=\"kaavio.png\"; filename*=UTF-8''kaavio.png"
    )
    assert picture["Content-Type"] == "image/png"
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert "private" in picture["Cache-Control"]

    post = services.post_create(
        actor=people["steering"],
        thread=board_attachment.post.thread,
        body="Pöytäkirja",
        # The browser's word for the type is not taken.
        uploads=[SimpleUploadedFile('Pöytäkirja "5".pdf', PDF, content_type="text/html")],
    )
    document = fetch(client, people["reader"], post.attachments.get())
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == (
        'attachment; filename="Poytakirja _5_.pdf"; '
        "filename*=UTF-8''P%C3%B6yt%C3%A4kirja%20%225%22.pdf"
    )
    assert document["X-Content-Type-Options"] == "nosniff"
    assert "private" in document["Cache-Control"]


def test_stored_names_are_random(people, board_attachment, settings):
    post = services.post_create(
        actor=people["steering"],
        thread=board_attachment.post.thread,
        body="Muistio",
        uploads=[SimpleUploadedFile("../../Salainen muistio.php.pdf", PDF)],
    )
    attachment = post.attachments.get()
    for stored in [attachment, board_attachment]:
        assert is_random_name(stored.file.name, "attachments"), stored.file.name
    assert attachment.file.name.endswith(".pdf")
    assert "Salainen" not in attachment.file.name
    assert attachment.original_name == "Salainen muistio.php.pdf"
    assert sorted(p.name for p in stored_files(settings)) == sorted(
        Path(a.file.name).name for a in (attachment, board_attachment)
    )


def test_a_refused_reply_stores_no_file(client, people, board_attachment, settings):
    thread = board_attachment.post.thread
    thread.is_locked = True
    thread.save()
    before = stored_files(settings)
    client.force_login(people["reader"])
    response = client.post(
        f"/forum/t/{thread.pk}/reply/",
        {"body": "Vastaus", "attachment": SimpleUploadedFile("liite.png", PNG)},
    )
    assert response.status_code == 403
    assert stored_files(settings) == before
    assert Attachment.objects.count() == 1

    # The same reply where it may be posted is stored, with its file.
    thread.is_locked = False
    thread.save()
    response = client.post(
        f"/forum/t/{thread.pk}/reply/",
        {"body": "Vastaus", "attachment": SimpleUploadedFile("liite.png", PNG)},
    )
    assert response.status_code == 302
    assert len(stored_files(settings)) == len(before) + 1
    assert Attachment.objects.count() == 2


def test_a_refused_thread_stores_no_file(client, people, settings):
    category = CategoryFactory(slug="yleinen")
    other_city = OrganisationFactory(slug="kotka")
    client.force_login(people["outsider"])

    def start(audience):
        return client.post(
            f"/forum/c/{category.slug}/new/",
            {
                "title": "Luottamuksellinen",
                "body": "Teksti",
                "publicity": "confidential",
                "audience_organisations": [audience.pk],
                "attachment": SimpleUploadedFile("liite.png", PNG),
            },
        )

    # An audience the author is not part of is refused by the service.
    response = start(other_city)
    assert response.status_code == 400
    assert "Choose an audience you belong to" in response.content.decode()
    assert stored_files(settings) == []
    assert not Attachment.objects.exists()

    assert start(people["outsider"].organisation).status_code == 302
    assert len(stored_files(settings)) == 1
    assert Attachment.objects.count() == 1


def test_orphan_removal_removes_only_orphans(people, board_attachment, settings):
    root = Path(settings.MEDIA_ROOT)
    old = time.time() - 2 * 60 * 60

    def plant(name: str, *, aged: bool) -> Path:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        if aged:
            os.utime(path, (old, old))
        return path

    referenced = root / board_attachment.file.name
    os.utime(referenced, (old, old))
    orphan = plant("attachments/0123456789abcdef0123456789abcdef.pdf", aged=True)
    legacy_orphan = plant("needs/2025/05/vanha.pdf", aged=True)
    fresh = plant("attachments/fedcba9876543210fedcba9876543210.png", aged=False)
    wagtail_image = plant("images/kuva.width-800.png", aged=True)
    call_command("remove_orphan_files")
    assert not orphan.exists()
    assert not legacy_orphan.exists()
    assert referenced.exists()
    assert fresh.exists()
    assert wagtail_image.exists()


def test_a_file_missing_from_storage_answers_404(client, people, board_attachment):
    board_attachment.file.storage.delete(board_attachment.file.name)
    assert fetch(client, people["reader"], board_attachment).status_code == 404
