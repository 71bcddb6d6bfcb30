from django.core.management.base import BaseCommand

from blog.pending import PENDING_MAX_AGE, purge_pending_uploads


class Command(BaseCommand):
    help = (
        "Delete images uploaded in the admin whose save never completed "
        f"(kept for {PENDING_MAX_AGE}). Run it daily, e.g. from cron."
    )

    def handle(self, *args, **options):
        removed = purge_pending_uploads()
        self.stdout.write(f"Deleted {removed} abandoned upload{'s' if removed != 1 else ''}.")
