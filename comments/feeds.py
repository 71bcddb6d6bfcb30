"""RSS 2.0 feeds of public comments: one per digest and one for the whole site."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from blog.feeds import XMLSafeRss
from blog.models import Digest

from .editing import DELETED
from .models import DigestComment

FEED_SIZE = 30


def digest_feed_url(digest):
    """The comment feed's address, with the digest's date like its permalink."""
    return reverse("comments:digest-feed", kwargs=digest.permalink_kwargs())


def feed_comments():
    """Public comments, newest first; never pending, spam or deleted ones."""
    return (
        DigestComment.objects.public()
        .exclude(DELETED)
        .filter(content_type__app_label="blog", content_type__model="digest")
        .select_related("user")  # `name` falls back to the account's name
        .order_by("-submit_date", "-pk")
    )


class _Moved(Exception):
    def __init__(self, url):
        self.url = url


class LatestCommentsFeed(Feed):
    """The newest public comments on any published digest."""

    feed_type = XMLSafeRss
    description_template = None

    def title(self):
        return _("Comments on %(blog)s") % {"blog": settings.BLOG_TITLE}

    def description(self):
        return _("The latest comments on %(blog)s") % {"blog": settings.BLOG_TITLE}

    def link(self):
        return reverse("blog:digest-list")

    def feed_url(self):
        return reverse("comments:feed")

    def items(self):
        published = Digest.objects.published().values(pk_text=Cast("pk", CharField()))
        comments = list(feed_comments().filter(object_pk__in=published)[:FEED_SIZE])
        digests = (
            Digest.objects.published()
            .only("title", "slug", "published_at")
            .in_bulk({int(c.object_pk) for c in comments})
        )
        for comment in comments:
            comment.digest = digests.get(int(comment.object_pk))
        # A digest unpublished between the two queries takes its comments with it.
        return [comment for comment in comments if comment.digest is not None]

    def item_title(self, item):
        return _("%(name)s on %(digest)s") % {"name": item.name, "digest": item.digest.title}

    def item_link(self, item):
        # Not item.get_absolute_url(): it would load the digest again for every comment.
        return f"{item.digest.get_absolute_url()}#{item.anchor}"

    def item_description(self, item):
        return item.comment_html

    def item_pubdate(self, item):
        return item.submit_date

    def item_author_name(self, item):
        return item.name  # never the email address


class DigestCommentsFeed(LatestCommentsFeed):
    """Public comments on one published digest."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except _Moved as moved:
            return HttpResponsePermanentRedirect(moved.url)

    def get_object(self, request, year, month, day, slug):
        digest = get_object_or_404(Digest.objects.published(), slug=slug)
        canonical = digest_feed_url(digest)
        if request.path != canonical:
            # Another date with the right slug: send it where it belongs, like the digest page.
            raise _Moved(canonical)
        return digest

    def title(self, digest):
        return _("Comments on %(blog)s") % {"blog": digest.title}

    def description(self, digest):
        return _("The latest comments on “%(digest)s” at %(blog)s") % {
            "digest": digest.title,
            "blog": settings.BLOG_TITLE,
        }

    def link(self, digest):
        return digest.get_absolute_url() + "#comments"

    def feed_url(self, digest):
        return digest_feed_url(digest)

    def items(self, digest):
        comments = list(feed_comments().filter(object_pk=str(digest.pk))[:FEED_SIZE])
        for comment in comments:
            comment.digest = digest
        return comments
