"""RSS 2.0 and Atom feeds with each digest's full content."""

import copy
import functools
import io

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date
from django.utils.translation import gettext as _

from . import fragments, siteversion
from .models import Category, Digest, MediaItem, RelatedLink
from .querysets import NEVER_SHOWN, related_rows
from .text import xml_chars

FEED_SIZE = 20
CONTENT = "blog/_digest_feed_content.html"
# What an entry's content is drawn with, besides its data.
SOURCES = (CONTENT, "blog.embeds")
# What the whole feed is written with, besides its entries' contents.
FEED_SOURCES = (__name__, "blog.text")
# Digest columns the content never shows that change without it: on every comment
# (comments.tally), and the search text (which follows the items, in the version anyway).
NOT_SHOWN = frozenset({"comment_count", "comments_version", *NEVER_SHOWN})


class EntrySources:
    """What the contents of a batch of entries are drawn from. Their version is the site's
    address, the site's version (blog.siteversion: renewed whenever an item or a link is
    saved or deleted) and the digest's columns, so a feed whose entries are all drawn
    reads nothing more. The few entries to be drawn again are drawn from their items' and
    links' rows, read once for all (two queries, no model)."""

    def __init__(self, digests, site_root, site_version):
        self.site_root, self.site_version = site_root, site_version
        self.pks = [digest.pk for digest in digests]
        self.db = MediaItem.objects.db  # where the rows are read, for the models made of them

    @functools.cached_property
    def rows(self):
        """{digest pk: [(item's row, [its links' rows])]}, in the order the content shows them."""
        links = RelatedLink.objects.filter(item__digest_id__in=self.pks)
        links = fragments.rows_of(links.using(self.db), "item_id")
        items = MediaItem.objects.filter(digest_id__in=self.pks).using(self.db)
        item_pk = fragments.columns_of(MediaItem).index("id")
        return {
            digest_pk: [(row, links.get(row[item_pk], [])) for row in rows]
            for digest_pk, rows in fragments.rows_of(items, "digest_id").items()
        }

    def version(self, digest):
        """The site's address and version, the digest's columns but those the content never
        shows."""
        return (self.site_root, self.site_version, fragments.fields_of(digest, NOT_SHOWN))

    def items(self, digest):
        """[(item, [its links])] of the digest, as models made from those rows."""
        return [
            (self.made(MediaItem, item), [self.made(RelatedLink, link) for link in links])
            for item, links in self.rows.get(digest.pk, [])
        ]

    def made(self, model, row):
        """The object a query would have made of this row (Model.from_db), without one."""
        return model.from_db(self.db, fragments.columns_of(model), row)


def category_names(digests):
    """{digest pk: the names of its categories, then of its tags, each by name}: all an
    entry shows of them, read as rows (two queries, no model)."""
    pks = [digest.pk for digest in digests]
    names = {pk: [] for pk in pks}
    for relation in (Digest.categories, Digest.tags):
        for digest_pk, rows in related_rows(pks, relation, "name").items():
            names[digest_pk] += [name for (name,) in rows]
    return names


class XMLSafeFeed:
    """For feed types: what XML 1.0 forbids is dropped from every text as the feed is
    written, so no stored row (older than blog.text's rules, or imported) breaks it."""

    def write(self, outfile, encoding):
        self.feed = _xml_safe(self.feed)
        self.items = [_xml_safe(item) for item in self.items]
        if isinstance(outfile, io.TextIOBase):
            return super().write(outfile, encoding)
        # Given a response, the XML writer wraps it in a text stream that encodes and
        # appends each of its some 800 pieces on its own; written to a string, the whole
        # is encoded once, with the error handler that stream uses.
        text = io.StringIO()
        super().write(text, encoding)
        outfile.write(text.getvalue().encode(encoding, "xmlcharrefreplace"))


def _xml_safe(value):
    if isinstance(value, str):
        return xml_chars(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


class XMLSafeRss(XMLSafeFeed, Rss201rev2Feed):
    pass


class FullContentRss(XMLSafeRss):
    """RSS 2.0 with the whole digest in content:encoded, as WordPress does."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class FullContentAtom(XMLSafeFeed, Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestDigestsFeed(Feed):
    """The whole feed is drawn once per version for every reader (blog.fragments.drawn):
    the site's address and version, the feed's address and the columns of its digests and
    authors. A feed whose entries are unchanged reads its digests and nothing more."""

    feed_type = FullContentRss
    description_template = None

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request of every thread (urls.py): each works on a copy.
        feed = copy.copy(self)
        feed.request = request
        # The Sites row's address, as Feed gives each entry's link: the entry's content
        # (its images, its link back) names the same site.
        feed.site_root = add_domain(get_current_site(request).domain, "", request.is_secure())
        return feed.respond(request, *args, **kwargs)

    def respond(self, request, *args, **kwargs):
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        digests = list(self._get_dynamic_attr("listed", obj))
        written = fragments.drawn_one(
            "feed", f"{type(self).__name__}:{getattr(obj, 'pk', '')}",
            self.version(request, obj, digests), lambda: self.write(request, obj, digests),
            FEED_SOURCES, request,
        )  # fmt: skip
        response = HttpResponse(
            written.encode("utf-8", "xmlcharrefreplace"), content_type=self.feed_type.content_type
        )
        # As Feed sends it, for ConditionalGetMiddleware's 304s: the latest of the dates.
        dates = [at for digest in digests for at in (digest.updated_at, digest.published_at)]
        latest = max(filter(None, dates), default=None) or timezone.now()
        response.headers["Last-Modified"] = http_date(latest.timestamp())
        return response

    def version(self, request, obj, digests):
        """What the whole feed is written from, besides what its entries' contents are."""
        authors = [
            (digest.author.get_username(), digest.author.get_full_name()) if digest.author else None
            for digest in digests
        ]
        return (
            self.site_root, request.path, siteversion.current(request),
            fragments.fields_of(obj) if obj is not None else None,
            [fragments.fields_of(digest, NOT_SHOWN) for digest in digests], authors,
            settings.BLOG_TITLE, settings.BLOG_TAGLINE,
        )  # fmt: skip

    def write(self, request, obj, digests):
        """The feed's XML, as Django's syndication writes it, as text."""
        self.shown = self.entries(digests)
        text = io.StringIO()
        self.get_feed(obj, request).write(text, "utf-8")
        return text.getvalue()

    def items(self):
        return self.shown

    def listed(self):
        """The digests the feed shows, newest first."""
        return Digest.objects.published().for_feed()[:FEED_SIZE]

    def title(self):
        return settings.BLOG_TITLE

    def description(self):
        return settings.BLOG_TAGLINE

    def link(self):
        return reverse("blog:digest-list")

    def entries(self, digests):
        """The digests, each with its entry's content (drawn once per version for every
        reader: blog.fragments.drawn) and the names of its categories and tags."""
        digests = list(digests)
        sources = EntrySources(digests, self.site_root, siteversion.current(self.request))
        contents = fragments.drawn(
            "feed-entry", digests, sources.version,
            lambda digest: self.draw_content(digest, sources.items(digest)), SOURCES, self.request,
        )  # fmt: skip
        names = category_names(digests)
        for digest in digests:
            digest.feed_content = contents[digest.pk]
            digest.feed_categories = names[digest.pk]
        return digests

    def draw_content(self, digest, items):
        context = {"digest": digest, "items": items, "site_root": self.site_root}
        return render_to_string(CONTENT, context)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro_html

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        if item.author is None:
            return None
        return item.author.get_full_name() or item.author.get_username()

    def item_categories(self, item):
        return item.feed_categories

    def item_extra_kwargs(self, item):
        return {"content": item.feed_content}


class LatestDigestsAtomFeed(LatestDigestsFeed):
    feed_type = FullContentAtom
    subtitle = LatestDigestsFeed.description

    def feed_url(self):
        return reverse("blog:atom-feed")


class CategoryFeed(LatestDigestsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def title(self, category):
        return f"{settings.BLOG_TITLE}: {category.name}"

    def description(self, category):
        return category.description or _("Digests in %(name)s") % {"name": category.name}

    def link(self, category):
        return category.get_absolute_url()

    def listed(self, category):
        return (
            Digest.objects.published()
            .filter(categories__in=category.with_descendants())
            .distinct()
            .for_feed()[:FEED_SIZE]
        )
