"""Periodic upkeep of protected files."""

from django.tasks import task

from downloads.storage import orphan_files_remove


@task()
def remove_orphan_files() -> int:
    """Remove stored files no row refers to any more (older than an hour); returns how many."""
    return len(orphan_files_remove())
