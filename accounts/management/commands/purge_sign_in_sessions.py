"""Forget sign-ins whose platform session has ended, with their stored ID tokens."""

from django.core.management.base import BaseCommand

from accounts.services import sign_in_sessions_purge


class Command(BaseCommand):
    help = (
        "Remove the sign-in records (and the ID tokens they keep) of sessions that have "
        "expired. Run it periodically, beside clearsessions."
    )

    def handle(self, *args, **options):
        removed = sign_in_sessions_purge()
        self.stdout.write(f"Removed {removed} ended sign-in sessions.")
