"""The worker's side of following: mail a digest when its date comes, and a sweep; and
the digest's save that queues them."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from blog.models import Digest
from blog.news import is_news

from . import announce
from .models import Mailing


@task()
def announce_digest(digest_id):
    """Mail the digest to every confirmed follower, once, if it is public now."""
    return announce.announce(digest_id)


@task()
def sweep():
    """Mail every digest whose date has come and whose own task did not (it failed, say)."""
    return {str(pk): announce.announce(pk) for pk in announce.due_digest_ids()}


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
    when = digest.published_at
    announce_digest.using(run_after=when).enqueue(digest.pk)
    sweep.using(run_after=when + timedelta(seconds=settings.FOLLOWERS_SWEEP_SECONDS)).enqueue()
    Mailing.objects.filter(pk=mailing.pk).update(due_at=when)
