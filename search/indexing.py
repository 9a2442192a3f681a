"""Keeping the search index in step with the forum and the registry, after commit."""

from config.tasks import enqueue_with_write


def index_on_commit(kind: str, object_id: int) -> None:
    """Queue an index update of one thread, post or need, run once the write commits."""
    from search.tasks import index_object

    enqueue_with_write(index_object, kind, object_id)


def index_thread_on_commit(thread_id: int) -> None:
    """Queue an update of a thread and of every one of its posts, run once the write commits.

    For changes to who may read the thread (moving, hiding, publicity, audience):
    each post's document carries its thread's access, so all of them change.
    """
    from search.tasks import index_thread

    enqueue_with_write(index_thread, thread_id)


def index_category_on_commit(category_id: int) -> None:
    """Queue an update of every thread and post of a category (its readers changed)."""
    from search.tasks import index_category

    enqueue_with_write(index_category, category_id)
