"""Where protected files are stored, under which names, and when they go."""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.deconstruct import deconstructible

SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
ORPHAN_AGE = timedelta(hours=1)


def safe_extension(filename: str) -> str:
    """The name's extension if it is plain letters and digits, else nothing."""
    _stem, dot, extension = (filename or "").rpartition(".")
    extension = extension.lower()
    return extension if dot and SAFE_EXTENSION.fullmatch(extension) else ""


def random_name(folder: str, filename: str) -> str:
    """``folder/<uuid>.<ext>``: nothing of the uploader's name or path but a safe extension."""
    extension = safe_extension(filename)
    return f"{folder}/{uuid.uuid4().hex}{'.' + extension if extension else ''}"


@deconstructible
class RandomName:
    """``upload_to`` of a protected file: a random name in ``folder``.

    The folder is the unit the orphan sweep looks after: it holds only files of
    fields that use this class, so anything there without a row is an orphan.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder.strip("/")

    def __call__(self, instance: models.Model, filename: str) -> str:
        return random_name(self.folder, filename)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def is_random_name(name: str, folder: str) -> bool:
    return bool(re.fullmatch(rf"{re.escape(folder)}/[0-9a-f]{{32}}(\.[a-z0-9]{{1,8}})?", name))


def rename_to_random(queryset: models.QuerySet, field_name: str, folder: str) -> int:
    """Move each row's stored file to a random name in ``folder``; returns how many moved.

    For data migrations of files stored before names were random (the uploader's
    name, a guessable path). A row whose file is missing keeps its name; the old
    file is removed only after the row names the new one.
    """
    moved = 0
    for row in queryset.iterator():
        file = getattr(row, field_name)
        if not file.name or is_random_name(file.name, folder):
            continue
        storage = file.storage
        if not storage.exists(file.name):
            continue
        old = file.name
        with storage.open(old, "rb") as content:
            new = storage.save(random_name(folder, old), content)
        type(row)._default_manager.filter(pk=row.pk).update(**{field_name: new})
        storage.delete(old)
        moved += 1
    return moved


def delete_on_commit(file: FieldFile) -> None:
    """Remove a stored file once the transaction that removed its row has committed.

    A rollback keeps the row, so the file must stay until then; a file whose row
    goes any other way (a cascade, the back office) is left to the orphan sweep.
    """
    name, storage = file.name, file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def protected_fields() -> Iterator[models.FileField]:
    """Every file field of the project that stores under a ``RandomName`` folder."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and isinstance(field.upload_to, RandomName):
                yield field


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def orphan_files_remove(*, older_than: timedelta = ORPHAN_AGE) -> list[str]:
    """Remove files in the protected folders that no row refers to; returns their names.

    Only files older than ``older_than`` go: a file is written a moment before
    the row that names it is committed, and must not be swept in between.
    """
    cutoff = timezone.now() - older_than
    removed = []
    by_folder: dict[tuple[Storage, str], set[str]] = {}
    for field in protected_fields():
        referenced = by_folder.setdefault((field.storage, field.upload_to.folder), set())
        referenced.update(
            field.model._default_manager.exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            )
        )
    for (storage, folder), referenced in by_folder.items():
        for name in _walk(storage, folder):
            if name not in referenced and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed.append(name)
    return removed


__all__ = [
    "ORPHAN_AGE",
    "RandomName",
    "delete_on_commit",
    "is_random_name",
    "orphan_files_remove",
    "protected_fields",
    "random_name",
    "rename_to_random",
    "safe_extension",
]
