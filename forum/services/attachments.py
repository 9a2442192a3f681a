"""Attachments: checked by their content, not their name, before they are stored."""

import secrets

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from forum import permissions
from forum.models import (
    Attachment,
)

ALLOWED_ATTACHMENT_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """The real type of an upload (from its content) and a safe file name; or ValidationError."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is too large (at most %(mb)d MB).")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/zip":
        mime = _office_type(upload)
    if mime not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file cannot be attached. Attach images, PDF or office documents."
                )
            }
        )
    stem = (upload.name or "file").rsplit(".", 1)[0][:80] or "file"
    return mime, f"{stem}.{ALLOWED_ATTACHMENT_TYPES[mime]}"


def attachment_upload(*, actor: User, upload: UploadedFile) -> Attachment:
    """Store an upload after checking its real type (from its content) and size."""
    if not permissions.is_member(actor):
        raise PermissionDenied
    mime, name = attachment_check(upload)
    attachment = Attachment(
        uploader=actor,
        token=secrets.token_hex(16),
        original_name=name,
        content_type=mime,
        size=upload.size,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


def _office_type(upload: UploadedFile) -> str:
    """Tell OOXML and OpenDocument files apart by what their zip holds."""
    import zipfile

    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return archive.read("mimetype").decode("ascii", "ignore").strip()
            if "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "xl/workbook.xml" in names:
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if "ppt/presentation.xml" in names:
                return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    except zipfile.BadZipFile:
        return ""
    finally:
        upload.seek(0)
    return ""
