"""What may be uploaded: told by a file's content, not by its name or the browser's word."""

import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_TYPES = {
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


def upload_check(upload: UploadedFile) -> tuple[str, str]:
    """The real type of an upload (from its content) and the name to give it back under.

    The name keeps the uploader's stem and takes the extension of the checked
    type; it is shown and sent in Content-Disposition, never used to store the
    file. Raises ValidationError for a file too large or of a type not allowed.
    """
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
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file cannot be attached. Attach images, PDF or office documents."
                )
            }
        )
    stem = (upload.name or "file").rsplit(".", 1)[0][:80] or "file"
    return mime, f"{stem}.{ALLOWED_TYPES[mime]}"


def _office_type(upload: UploadedFile) -> str:
    """Tell OOXML and OpenDocument files apart by what their zip holds."""
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
