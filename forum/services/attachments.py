"""Attachments of posts: checked by their content, stored only with the post that carries them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from downloads.checks import ALLOWED_TYPES as ALLOWED_ATTACHMENT_TYPES
from downloads.checks import upload_check as attachment_check
from downloads.responses import INLINE_TYPES
from downloads.storage import delete_on_commit
from downloads.thumbnails import THUMBNAIL_NAME, thumbnail_make
from forum.models import Attachment, Post

# An upload with its checked type and the name it is given back under.
CheckedUpload = tuple["UploadedFile[bytes]", str, str]

MAX_ATTACHMENTS = 10


def attachments_check(uploads: Iterable[UploadedFile[bytes] | None]) -> list[CheckedUpload]:
    """Check every upload before anything is written; ValidationError for the first bad one."""
    present = [upload for upload in uploads if upload]
    if len(present) > MAX_ATTACHMENTS:
        raise ValidationError(
            {
                "attachment": _("Attach at most %(count)d files to one message.")
                % {"count": MAX_ATTACHMENTS}
            }
        )
    return [(upload, *attachment_check(upload)) for upload in present]


def attachments_store(*, actor: User, post: Post, checked: list[CheckedUpload]) -> None:
    """Store checked uploads as ``post``'s attachments, each under a random name.

    Called by the post services once the permission and validation checks have
    passed and the post's row is written, so a refused post stores no file. A
    file written in a transaction that then rolls back is left to the orphan
    sweep (``downloads.storage.orphan_files_remove``). A picture gets a
    thumbnail beside it.
    """
    for upload, mime, name in checked:
        attachment = Attachment(
            post=post,
            uploader=actor,
            token=secrets.token_hex(16),
            original_name=name,
            content_type=mime,
            size=upload.size or 0,
        )
        attachment.file.save(name, upload, save=False)
        if mime in INLINE_TYPES:
            thumbnail = thumbnail_make(upload)
            if thumbnail is not None:
                attachment.thumbnail.save(THUMBNAIL_NAME, thumbnail, save=False)
        attachment.save()


def attachments_delete(*, post: Post) -> None:
    """Remove ``post``'s attachments: their rows now, their files once that has committed."""
    attachments = list(post.attachments.all())
    for attachment in attachments:
        delete_on_commit(attachment.file)
        delete_on_commit(attachment.thumbnail)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()


__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "MAX_ATTACHMENTS",
    "CheckedUpload",
    "attachment_check",
    "attachments_check",
    "attachments_delete",
    "attachments_store",
]
