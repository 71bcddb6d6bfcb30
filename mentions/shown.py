"""What every reader sees of a digest's webmentions, kept in the counters cache every
worker and node shares (settings.COUNTER_CACHE_ALIAS) until one of its mentions is saved
or deleted: a digest's page reads none of them (likes.summary keeps its likes so)."""

from mailer import limits

from .models import Mention

SECONDS = 3600
# What the list shows of each (templates/mentions/_list.html).
FIELDS = ("source", "title", "author_name", "author_url", "kind", "received_at", "excerpt")


def key(digest_id):
    return f"mentions:shown:{digest_id}"


def public(digest_id):
    """The digest's public mentions (not replies: those are comments), oldest first, as
    unsaved Mentions holding what the list shows."""

    def read():
        mentions = Mention.objects.public().filter(digest_id=digest_id)
        return list(mentions.order_by("received_at", "pk").values(*FIELDS))

    return [Mention(**row) for row in limits.kept(key(digest_id), SECONDS, read)]


def mention_changed(sender, instance, **kwargs):
    """A mention received, verified, moderated or deleted: the next reader reads them
    afresh (and again once it commits, so a reader in between can't keep the old list)."""
    limits.forget(key(instance.digest_id))
