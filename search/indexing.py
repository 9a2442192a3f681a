"""Keeping the search index in step with the forum and the registry, after commit."""

from functools import partial

from django.db import transaction


def index_on_commit(kind: str, object_id: int) -> None:
    """Queue an index update of one thread, post or need once the write commits."""
    transaction.on_commit(partial(_enqueue, kind, object_id), robust=True)


def _enqueue(kind: str, object_id: int) -> None:
    from search.tasks import index_object

    index_object.enqueue(kind, object_id)
