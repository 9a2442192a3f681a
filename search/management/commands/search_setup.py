"""Create the Meilisearch index and apply its settings, as kept in code."""

from django.core.management.base import BaseCommand, CommandError

from search import service


class Command(BaseCommand):
    help = "Create the Meilisearch index and apply its settings (searchable, filterable, ...)."

    def handle(self, *args, **options):
        engine = service.meilisearch()
        if engine is None:
            raise CommandError("MEILISEARCH_URL is not set: the database search needs no setup.")
        engine.setup()
        replayed = service.pending_replay(engine)
        self.stdout.write(
            self.style.SUCCESS(
                f"Index {engine.index_name} is set up; {replayed} missed updates replayed."
            )
        )
