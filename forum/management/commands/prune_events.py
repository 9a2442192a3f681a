"""Prune the forum's live-event log; run it hourly (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from forum.tasks import prune_event_log


class Command(BaseCommand):
    help = "Delete live events older than EVENT_RETENTION_SECONDS (default seven days)."

    def handle(self, *args, **options):
        result = prune_event_log.enqueue()
        self.stdout.write(self.style.SUCCESS(f"Event log pruning queued ({result.id})."))
