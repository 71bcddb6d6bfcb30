from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from comments.models import DigestComment, Subscription


class Command(BaseCommand):
    help = (
        "Delete guests' comments and subscriptions never confirmed by mail once their link has "
        "expired (COMMENTS_CONFIRM_MAX_AGE). Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        cutoff = timezone.now() - timedelta(seconds=settings.COMMENTS_CONFIRM_MAX_AGE)
        comments = DigestComment.objects.filter(
            state=DigestComment.State.UNVERIFIED, submit_date__lt=cutoff
        )
        subscriptions = Subscription.objects.filter(
            confirmed_at__isnull=True, created_at__lt=cutoff
        )
        if dry_run:
            n_comments, n_subscriptions = comments.count(), subscriptions.count()
            verb = "Would delete"
        else:
            with transaction.atomic():
                n_comments = comments.delete()[1].get(DigestComment._meta.label, 0)
                n_subscriptions = subscriptions.delete()[1].get(Subscription._meta.label, 0)
            verb = "Deleted"
        self.stdout.write(
            f"{verb} {n_comments} unconfirmed comment{'s' if n_comments != 1 else ''} and "
            f"{n_subscriptions} unconfirmed subscription{'s' if n_subscriptions != 1 else ''}."
        )
