"""manage.py restore --from DIR: into an empty database and uploads folder, then checked."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from frontend import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and an empty "
        "uploads folder, then check every counted row and every upload against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path)
        parser.add_argument(
            "--database-url",
            help="the empty database to restore into (default: the platform's DATABASE_URL)",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            help="the empty folder for the uploads (default: MEDIA_ROOT)",
        )

    def handle(
        self, *args, source: Path, database_url: str | None, media_root: Path | None, **options
    ):
        try:
            if database_url:
                database = backups.Database.from_url(database_url)
            else:
                database = backups.Database.from_settings(connections["default"].settings_dict)
                connections["default"].close()
            counts = backups.restore(
                source=source,
                database=database,
                media_root=media_root or Path(settings.MEDIA_ROOT),
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {source} into {database.vendor} database {database.name}; checked:"
        )
        self.stdout.write(backups.summary(counts), ending="")
