"""Queue the daily notification digests; run once a day (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from notifications.tasks import send_daily_digests


class Command(BaseCommand):
    help = "Send each member who wants a daily digest their unread notifications."

    def handle(self, *args, **options):
        result = send_daily_digests.enqueue()
        self.stdout.write(self.style.SUCCESS(f"Daily digests queued ({result.id})."))
