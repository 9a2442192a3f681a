"""Queue the removal of orphaned protected files; run every hour or so (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from downloads.tasks import remove_orphan_files


class Command(BaseCommand):
    help = (
        "Remove uploaded files that no attachment refers to (a refused upload, a row "
        "removed by a cascade) once they are an hour old."
    )

    def handle(self, *args, **options):
        result = remove_orphan_files.enqueue()
        self.stdout.write(self.style.SUCCESS(f"Removal of orphaned files queued ({result.id})."))
