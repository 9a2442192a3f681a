"""Queueing background work that belongs to a write.

A task queued for a write (index a post, e-mail its notifications) must run
only if the write commits, and must not be lost if it does. With the
database task backend the task's row can simply be part of the write's own
transaction: it commits or rolls back with it, and the worker cannot see it
before. That is one commit instead of two per request, and no window in which
a process that dies right after committing the post forgets its task. Other
backends (the immediate one runs the task on the spot) get the task after the
commit, as ``transaction.on_commit`` does.
"""

from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import Task
from django_tasks_db import DatabaseBackend


def enqueue_with_write(task: Task[Any, Any], *args: Any) -> None:
    """Queue ``task(*args)`` so that it runs only once the current write commits."""
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        alias = router.db_for_write(DBTaskResult) or DEFAULT_DB_ALIAS
        if transaction.get_connection(alias).in_atomic_block:
            task.enqueue(*args)
            return
    transaction.on_commit(partial(task.enqueue, *args), robust=True)
