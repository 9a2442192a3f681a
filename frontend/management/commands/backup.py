"""manage.py backup --to DIR: the database and the uploads, and a manifest to check by."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from frontend import backups


class Command(BaseCommand):
    help = "Back up the database and the uploads (MEDIA_ROOT) into an empty folder."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="an empty or new folder")

    def handle(self, *args, to: Path, **options):
        try:
            manifest = backups.backup(to=to)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up {manifest['vendor']} and {len(manifest['media'])} uploads to {to}:"
        )
        self.stdout.write(backups.summary(manifest["counts"]), ending="")
