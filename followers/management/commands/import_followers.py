"""manage.py import_followers FILE: followers from a WordPress.com/Jetpack CSV or a list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from mailer import limits

from ... import following
from ...imports import FileRefused, decode, read
from ...models import Follower

MAX_BYTES = 64 * 1024 * 1024
SHOWN = 50  # lines of each list printed; the rest are counted


class Command(BaseCommand):
    help = (
        "Import followers from the CSV WordPress.com or Jetpack exports for email subscribers "
        "(a header row with an email column), or from a file of one address a line. Without "
        "--confirmed each new follower is sent one confirmation mail; nothing is imported if "
        "anything goes wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--confirmed", action="store_true",
            help="They confirmed already (e.g. WordPress subscribers): no mail, mailed digests.",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Report only; store nothing.")

    def handle(self, file, confirmed, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(f"{file} is larger than {MAX_BYTES // 2**20} MB; split it.")
        try:
            report = read(decode(file.read_bytes(), file.name))
        except FileRefused as exc:
            raise CommandError(str(exc)) from None
        with transaction.atomic():
            counts = store(report, confirmed)
            if dry_run:
                transaction.set_rollback(True)
        self.tell(report, counts, dry_run)

    def tell(self, report, counts, dry_run):
        done = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{done} {counts['new'] + counts['confirmed_now']:,} follower(s): "
            f"{counts['new']:,} new ({counts['new_confirmed']:,} confirmed, "
            f"{counts['mailed']:,} sent a confirmation mail), "
            f"{counts['confirmed_now']:,} already waiting here now confirmed."
        )
        for title, lines in (("Skipped", report.skipped), ("Rejected", report.rejected)):
            if lines:
                self.stdout.write(f"{title} {len(lines):,}:")
                for line, reason in sorted(lines)[:SHOWN]:
                    self.stdout.write(f"  line {line}: {reason}")
                if len(lines) > SHOWN:
                    self.stdout.write(f"  … and {len(lines) - SHOWN:,} more")


def store(report, confirmed):
    """Write the report's rows (one transaction, the caller's); returns counts by outcome."""
    now = timezone.now()
    existing = {}
    emails = [row.email for row in report.rows]
    for start in range(0, len(emails), 5000):
        for follower in Follower.objects.filter(email__in=emails[start : start + 5000]):
            existing[follower.email] = follower
    new, confirm_now, to_mail = [], [], []
    for row in report.rows:
        sure = confirmed and row.confirmed
        follower = existing.get(row.email)
        if follower is None:
            state = Follower.State.CONFIRMED if sure else Follower.State.PENDING
            follower = Follower(email=row.email, source=Follower.Source.IMPORT, state=state)
            follower.confirmed_at = (row.date or now) if sure else None
            new.append(follower)
        elif follower.state == Follower.State.PENDING and sure:
            confirm_now.append(follower.pk)
        else:
            report.skipped.append((row.line, already[follower.state]))
    Follower.objects.bulk_create(new, batch_size=1000)
    Follower.objects.filter(pk__in=confirm_now).update(
        state=Follower.State.CONFIRMED, confirmed_at=now
    )
    for follower in new:
        if follower.state != Follower.State.PENDING:
            continue
        if limits.may_send_confirmation(follower.email):
            to_mail.append(follower)
    mailed = (
        following.queue_confirmation(to_mail, key=f"follow-confirm:import:{now.timestamp():.6f}")
        if to_mail
        else 0
    )
    return {
        "new": len(new),
        "new_confirmed": sum(1 for f in new if f.state == Follower.State.CONFIRMED),
        "confirmed_now": len(confirm_now),
        "mailed": mailed,
    }


already = {
    Follower.State.CONFIRMED: "already follows",
    Follower.State.PENDING: "already waiting for a confirmation mail sent before",
    Follower.State.UNSUBSCRIBED: "unsubscribed here: not followed again",
    Follower.State.BOUNCING: "mail to it bounces here",
}
