"""Keeping the search index in step with the forum and the registry, after commit."""

from functools import partial

from django.db import transaction


def index_on_commit(kind: str, object_id: int) -> None:
    """Queue an index update of one thread, post or need once the write commits."""
    transaction.on_commit(partial(_enqueue, kind, object_id), robust=True)


def index_thread_on_commit(thread_id: int) -> None:
    """Queue an update of a thread and of every one of its posts once the write commits.

    For changes to who may read the thread (moving, hiding, publicity, audience):
    each post's document carries its thread's access, so all of them change.
    """
    transaction.on_commit(partial(_enqueue_thread, thread_id), robust=True)


def index_category_on_commit(category_id: int) -> None:
    """Queue an update of every thread and post of a category (its readers changed)."""
    transaction.on_commit(partial(_enqueue_category, category_id), robust=True)


def _enqueue(kind: str, object_id: int) -> None:
    from search.tasks import index_object

    index_object.enqueue(kind, object_id)


def _enqueue_thread(thread_id: int) -> None:
    from search.tasks import index_thread

    index_thread.enqueue(thread_id)


def _enqueue_category(category_id: int) -> None:
    from search.tasks import index_category

    index_category.enqueue(category_id)
