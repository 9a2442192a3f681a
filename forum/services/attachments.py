"""Attachments of posts: checked by their content, stored only with the post that carries them."""

import secrets
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile

from accounts.models import User
from downloads.checks import ALLOWED_TYPES as ALLOWED_ATTACHMENT_TYPES
from downloads.checks import upload_check as attachment_check
from downloads.storage import delete_on_commit
from forum.models import Attachment, Post

# An upload with its checked type and the name it is given back under.
CheckedUpload = tuple[UploadedFile, str, str]


def attachments_check(uploads: Iterable[UploadedFile | None]) -> list[CheckedUpload]:
    """Check every upload before anything is written; ValidationError for the first bad one."""
    return [(upload, *attachment_check(upload)) for upload in uploads if upload]


def attachments_store(*, actor: User, post: Post, checked: list[CheckedUpload]) -> None:
    """Store checked uploads as ``post``'s attachments, each under a random name.

    Called by the post services once the permission and validation checks have
    passed and the post's row is written, so a refused post stores no file. A
    file written in a transaction that then rolls back is left to the orphan
    sweep (``downloads.storage.orphan_files_remove``).
    """
    for upload, mime, name in checked:
        attachment = Attachment(
            post=post,
            uploader=actor,
            token=secrets.token_hex(16),
            original_name=name,
            content_type=mime,
            size=upload.size,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()


def attachments_delete(*, post: Post) -> None:
    """Remove ``post``'s attachments: their rows now, their files once that has committed."""
    attachments = list(post.attachments.all())
    for attachment in attachments:
        delete_on_commit(attachment.file)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()


__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "CheckedUpload",
    "attachment_check",
    "attachments_check",
    "attachments_delete",
    "attachments_store",
]
