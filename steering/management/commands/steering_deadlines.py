"""Queue the electronic decisions' reminders and closing; run every few minutes
(cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from steering.tasks import steering_deadlines


class Command(BaseCommand):
    help = (
        "Remind the cities that have not voted in an electronic decision closing soon, "
        "and record the result of those whose voting period has ended."
    )

    def handle(self, *args, **options):
        result = steering_deadlines.enqueue()
        self.stdout.write(self.style.SUCCESS(f"Steering group deadlines queued ({result.id})."))
