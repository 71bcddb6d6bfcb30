"""manage.py export_followers: the followers as CSV, which import_followers reads back."""

import csv

from django.core.management.base import BaseCommand

from ...models import Follower


class Command(BaseCommand):
    help = (
        "Write the followers as CSV (email, status, subscribed, confirmed) to stdout or --output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--state", choices=Follower.State.values, action="append",
            help="Only followers in this state (repeatable); all of them by default.",
        )  # fmt: skip
        parser.add_argument("--output", "-o", help="A file to write instead of stdout.")

    def handle(self, state, output, **options):
        followers = Follower.objects.order_by("pk")
        if state:
            followers = followers.filter(state__in=state)
        rows = followers.values_list("email", "state", "created_at", "confirmed_at")
        if output:
            with open(output, "w", newline="", encoding="utf-8") as out:
                count = write(out, rows)
            self.stderr.write(f"{count:,} follower(s) written to {output}.")
        else:
            write(self.stdout, rows)


def write(out, rows):
    writer = csv.writer(out)
    writer.writerow(["email", "status", "subscribed", "confirmed"])
    count = 0
    for email, state, created, confirmed in rows.iterator(chunk_size=2000):
        writer.writerow(
            [email, state, created.isoformat(), confirmed.isoformat() if confirmed else ""]
        )
        count += 1
    return count
