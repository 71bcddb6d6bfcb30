"""Digests going out to the fediverse: the first time a digest is public its followers
get a Create, each later save an Update, unpublishing or deleting it a Delete. Approved
local comments go out as replies when FEDIVERSE_DELIVER_COMMENTS is on.

A save only queues a task (after the commit, at the digest's date when it is scheduled):
the task reads the digest as it is then, items included, and decides.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from blog.models import Digest
from blog.news import is_news
from comments.models import DigestComment

from . import delivery, documents
from .models import Activity, Publication, RemoteNote


def digest_saved(sender, instance, raw=False, **kwargs):
    if raw or not settings.FEDIVERSE_ENABLED:
        return
    if not Publication.objects.filter(digest=instance).exists() and not is_fresh(instance):
        return  # an import, the demo, a back-dated digest: old news is not pushed to anyone
    when = instance.published_at if instance.is_scheduled else None
    digest_id = instance.pk
    transaction.on_commit(lambda: publish.using(run_after=when).enqueue(digest_id))


def digest_deleted(sender, instance, **kwargs):
    if not settings.FEDIVERSE_ENABLED:
        return
    found = Publication.objects.filter(uri=documents.article_id(instance.pk), live=True)
    for publication in found:
        withdraw(publication)


def is_fresh(digest):
    """News, as for the email followers: not saved by an import or the demo, and not dated
    more than FOLLOWERS_BACKDATED_SECONDS in the past (a draft not yet dated is fresh)."""
    if not is_news():
        return False
    past = timezone.now() - timedelta(seconds=settings.FOLLOWERS_BACKDATED_SECONDS)
    return digest.published_at is None or digest.published_at >= past


@task()
def publish(digest_id):
    """Create, Update or Delete the digest on the fediverse, as it now is."""
    if not settings.FEDIVERSE_ENABLED:
        return "off"
    with transaction.atomic():
        digest = Digest.objects.filter(pk=digest_id).first()
        publication = Publication.objects.select_for_update().filter(digest_id=digest_id).first()
        if digest is None:
            return "deleted"
        if not digest.is_public:
            if publication and publication.live:
                withdraw(publication)
                return "Delete"
            return "not public"
        kind = "Update" if publication and publication.live else "Create"
        if kind == "Update" and publication.updated_at >= digest.updated_at:
            return "unchanged"  # two saves, two tasks: the first one sent this version
        if publication is None:
            publication = Publication(digest=digest, uri=documents.article_id(digest.pk))
        publication.live, publication.version = True, publication.version + 1
        publication.updated_at = digest.updated_at
        publication.save()
        article = documents.article(digest)
        uri = f"{article['id']}#{kind.lower()}-{publication.version}"
        delivery.to_followers(documents.wrap(kind, article, uri))
    return kind


def withdraw(publication):
    publication.live, publication.version = False, publication.version + 1
    publication.save(update_fields=["live", "version"])
    uri = f"{publication.uri}#delete-{publication.version}"
    delivery.to_followers(documents.wrap("Delete", publication.uri, uri))


def comment_saved(sender, instance, raw=False, **kwargs):
    """A local comment made public: sent once, after the commit, as a Note replying to what
    it answers (a comment that came from the fediverse is not sent back)."""
    if raw or not (settings.FEDIVERSE_ENABLED and settings.FEDIVERSE_DELIVER_COMMENTS):
        return
    if instance.state == instance.State.PUBLIC:
        pk = instance.pk
        transaction.on_commit(lambda: deliver_comment(pk))


def deliver_comment(pk):
    comment = DigestComment.objects.public().filter(pk=pk).first()
    uri = documents.note_id(pk) + "#create"
    if comment is None or RemoteNote.objects.filter(comment_id=pk).exists():
        return
    if Activity.objects.filter(uri=uri).exists():
        return
    if comment.is_reply:
        remote = RemoteNote.objects.filter(comment_id=comment.parent_id).first()
        parent = remote.uri if remote else documents.note_id(comment.parent_id)
    else:
        parent = documents.article_id(int(comment.object_pk))
    delivery.to_followers(documents.wrap("Create", documents.note(comment, parent), uri))
