"""RSS 2.0 and Atom feeds with each digest's full content."""

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from . import fragments
from .models import Category, Digest
from .text import xml_chars

FEED_SIZE = 20
CONTENT = "blog/_digest_feed_content.html"
# What an entry's content is drawn with, besides its data.
SOURCES = (CONTENT, "blog.embeds")


class XMLSafeFeed:
    """For feed types: what XML 1.0 forbids is dropped from every text as the feed is
    written, so no stored row (older than blog.text's rules, or imported) breaks it."""

    def write(self, outfile, encoding):
        self.feed = _xml_safe(self.feed)
        self.items = [_xml_safe(item) for item in self.items]
        super().write(outfile, encoding)


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
    feed_type = FullContentRss
    description_template = None

    def __call__(self, request, *args, **kwargs):
        self.request = request
        # The Sites row's address, as Feed gives each entry's link: the entry's content
        # (its images, its link back) names the same site.
        self.site_root = add_domain(get_current_site(request).domain, "", request.is_secure())
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return settings.BLOG_TITLE

    def description(self):
        return settings.BLOG_TAGLINE

    def link(self):
        return reverse("blog:digest-list")

    def items(self):
        return self.with_content(Digest.objects.published().for_feed()[:FEED_SIZE])

    def with_content(self, digests):
        """The digests, each with its entry's content drawn once per version for every
        reader (blog.fragments.drawn)."""
        digests = list(digests)
        contents = fragments.drawn(
            "feed-entry", digests, self.content_version, self.draw_content, sources=SOURCES
        )
        for digest in digests:
            digest.feed_content = contents[digest.pk]
        return digests

    def content_version(self, digest):
        """What an entry's content is drawn from (as Digest.objects.for_feed() fetches it)."""
        items = [
            (fragments.fields_of(item), [fragments.fields_of(link) for link in item.links.all()])
            for item in digest.media_items.all()
        ]
        return (self.site_root, fragments.fields_of(digest), items)

    def draw_content(self, digest):
        return render_to_string(CONTENT, {"digest": digest, "site_root": self.site_root})

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
        return [c.name for c in item.categories.all()] + [t.name for t in item.tags.all()]

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

    def items(self, category):
        return self.with_content(
            Digest.objects.published()
            .filter(categories__in=category.with_descendants())
            .distinct()
            .for_feed()[:FEED_SIZE]
        )
