"""Rebuild the search index from the database, with a progress bar."""

import sys

from django.core.management.base import BaseCommand

from search import service
from search.backends import DatabaseBackend


class Command(BaseCommand):
    help = "Rebuild the search index of threads, posts and needs."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["thread", "post", "need"], action="append")

    def handle(self, *args, kind=None, **options):
        from forum.models import Post, Thread
        from needs_registry.models import Need
        from search.documents import document_store

        sources = {"thread": Thread, "post": Post, "need": Need}
        kinds = kind or list(sources)
        total = sum(sources[k].objects.count() for k in kinds)
        done = 0
        database = DatabaseBackend()
        engine = service.meilisearch()
        batch = []
        for name in kinds:
            for pk in sources[name].objects.values_list("pk", flat=True).iterator(chunk_size=2000):
                document = document_store(name, pk)
                database.index(document, name, pk)
                if document is not None:
                    batch.append(document)
                elif engine is not None:
                    # Deleted and hidden posts leave Meilisearch too.
                    engine.index(None, name, pk)
                done += 1
                if engine is not None and len(batch) >= 1000:
                    engine.index_many(batch)
                    batch = []
                if done % 200 == 0 or done == total:
                    self._progress(done, total)
        if engine is not None and batch:
            engine.index_many(batch)
        self._progress(done, total)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} objects."))

    def _progress(self, done: int, total: int) -> None:
        width = 40
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        sys.stdout.flush()
