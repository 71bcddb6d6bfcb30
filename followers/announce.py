"""When a digest is news for followers, and mailing it to them once.

An editor's save that publishes a digest (now or for later) queues a task for its date
(followers.tasks); the worker runs it then, re-checks that the digest is public and not
mailed yet, and queues one mail per confirmed follower (mailer: event `digest:<id>`, so
an address gets it once whatever runs twice). A sweep a little later catches a task that
failed. No cron.
"""

import logging

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from blog.models import Digest
from mailer.models import Delivery
from mailer.outbox import send_in_batches

from .digest_mail import DigestMail
from .models import Follower, Mailing, SendingSettings

logger = logging.getLogger(__name__)

# Digests in a row the mail server refused for good before an address counts as bouncing.
BOUNCES = 2


def announce(digest_id):
    """Queue the digest for every confirmed follower if it is public and still waiting;
    returns how many mails were queued (None: nothing to do now)."""
    with transaction.atomic():
        mailing = (
            Mailing.objects.select_for_update()
            .select_related("digest")
            .filter(digest_id=digest_id, state=Mailing.State.WAITING)
            .first()
        )
        if mailing is None:
            return None  # mailed already, never to be mailed, or deleted
        digest = mailing.digest
        if not digest.is_public:
            # Unpublished, or its date moved later: the save that changed it queued a task
            # for the new date (followers.tasks.schedule).
            return None
        count = queue_for_followers(mailing)
        mailing.state, mailing.queued_at, mailing.recipients = (
            Mailing.State.QUEUED,
            timezone.now(),
            count,
        )
        mailing.save(update_fields=["state", "queued_at", "recipients"])
    logger.info("Digest %s queued for %d followers", digest_id, count)
    return count


def queue_for_followers(mailing):
    """One delivery per confirmed follower, in batches at the configured rate."""
    mark_bouncing()
    pace = SendingSettings.current()
    mail = DigestMail(mailing.digest)
    followers = list(Follower.objects.confirmed().order_by("pk").values_list("email", "token"))
    messages = (mail.message(email, token) for email, token in followers)
    return send_in_batches(
        mailing.delivery_key, messages, max(pace.batch_size, 1), pace.mails_per_minute
    )


def mark_bouncing():
    """Followers whose last BOUNCES digests all failed for good are not mailed again."""
    failed = (
        Delivery.objects.failed()
        .filter(key__startswith="digest:")
        .values("to")
        .annotate(n=Count("pk"))
        .filter(n__gte=BOUNCES)
        .values_list("to", flat=True)
    )
    for email in failed:
        recent = Delivery.objects.filter(to=email, key__startswith="digest:").exclude(
            status=Delivery.Status.PENDING
        )[:BOUNCES]
        if all(d.status == Delivery.Status.FAILED for d in recent):
            Follower.objects.confirmed().filter(email=email).update(state=Follower.State.BOUNCING)


def due_digest_ids():
    """Digests waiting to be mailed whose date has come."""
    return list(
        Mailing.objects.filter(
            state=Mailing.State.WAITING, digest__in=Digest.objects.published()
        ).values_list("digest_id", flat=True)
    )
