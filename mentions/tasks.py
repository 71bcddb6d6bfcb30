"""The worker's side of webmentions (django-tasks): verifying those received, sending
ours when a digest is published or edited, and the digest's save that queues them."""

from django.conf import settings
from django.db import transaction
from django_tasks import task

from blog.models import Digest
from blog.news import is_news

from . import receiving, sending


@task()
def verify_mention(mention_id):
    """Fetch the source of a received webmention and store what it says."""
    return receiving.verify(mention_id)


@task()
def send_webmentions(digest_id):
    """Tell every page a public digest links to (those whose content changed)."""
    return sending.send_for(digest_id)


def digest_saved(sender, instance, raw=False, **kwargs):
    """post_save of a Digest: a published one sends its webmentions once the transaction
    (with its items) is committed, at its date if scheduled. Imports and the demo never do."""
    if raw or not is_news() or not settings.WEBMENTION_SEND:
        return
    if instance.status != Digest.Status.PUBLISHED or instance.published_at is None:
        return
    digest_id, when = instance.pk, instance.published_at
    transaction.on_commit(
        lambda: send_webmentions.using(run_after=when).enqueue(digest_id), robust=True
    )
