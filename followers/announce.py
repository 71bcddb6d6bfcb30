"""When a digest is news for followers, and mailing it to them once.

An editor's save that publishes a digest (now or for later) queues a task for its date;
the worker runs it then, re-checks that the digest is public and not mailed yet, and
queues one mail per confirmed follower (mailer: event `digest:<id>`, so an address gets
it once whatever runs twice). A sweep a little later catches a task that failed. No cron.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from blog.models import Digest
from blog.news import is_news
from mailer.models import Delivery
from mailer.outbox import send_in_batches

from .digest_mail import DigestMail
from .models import Follower, Mailing, SendingSettings

logger = logging.getLogger(__name__)

# Digests in a row the mail server refused for good before an address counts as bouncing.
BOUNCES = 2


def digest_saved(sender, instance, raw=False, **kwargs):
    """post_save of a Digest: note it the first time, and queue its mailing once published."""
    with transaction.atomic():
        mailing, _ = Mailing.objects.get_or_create(digest=instance)
        if mailing.state == Mailing.State.DRAFT and instance.status == Digest.Status.PUBLISHED:
            mailing.state = first_decision(instance, quiet=raw or not is_news())
            mailing.save(update_fields=["state"])
        if mailing.state == Mailing.State.WAITING:
            schedule(mailing, instance)


def first_decision(digest, quiet):
    """The first save that publishes a digest: WAITING to be mailed, or NEVER."""
    past = timezone.now() - timedelta(seconds=settings.FOLLOWERS_BACKDATED_SECONDS)
    if quiet or digest.published_at < past:
        return Mailing.State.NEVER
    return Mailing.State.WAITING


def schedule(mailing, digest):
    """A task at the digest's date (none if one is queued for that date already)."""
    if digest.status != Digest.Status.PUBLISHED or mailing.due_at == digest.published_at:
        return
    from .tasks import announce_digest, sweep

    when = digest.published_at
    announce_digest.using(run_after=when).enqueue(digest.pk)
    sweep.using(run_after=when + timedelta(seconds=settings.FOLLOWERS_SWEEP_SECONDS)).enqueue()
    Mailing.objects.filter(pk=mailing.pk).update(due_at=when)


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
            # Unpublished, or its date moved later: the save that changed it queued a task.
            schedule(mailing, digest)
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
