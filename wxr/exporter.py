"""Writing the blog as a WordPress export (WXR 1.2) that WordPress's importer reads.

Digests become posts whose HTML WordPress shows as it is: the intro, then each
item as a heading, its source, an embed block (video) or image block, its
description and related links. Images and covers become attachments, listed
first with their absolute addresses so WordPress's importer can fetch them.
Comments keep their threads (comment_parent), pages (django.contrib.flatpages)
become pages. Each post also carries the digest itself, exactly, as JSON in the
DIGEST_META field: this site's import rebuilds it from that (WordPress keeps it
as an ordinary custom field). The file is written as it goes, digest by digest.
"""

import json
from contextlib import contextmanager
from datetime import UTC
from email.utils import format_datetime
from html import escape

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.core.files.storage import default_storage
from django.db.models import Max, Prefetch
from django.utils import timezone

from blog.models import Category, Digest, MediaItem, RelatedLink, Tag
from blog.site import site_url as blog_site_url
from comments.models import DigestComment

from .blocks import digest_data, digest_html
from .models import WordPressPost
from .posts import DIGEST_META
from .writer import WXRWriter

COMMENT_APPROVED = {
    DigestComment.State.PUBLIC: "1",
    DigestComment.State.HELD: "0",
    DigestComment.State.UNVERIFIED: "0",
    DigestComment.State.SPAM: "spam",
    DigestComment.State.REMOVED: "trash",
}


def wp_dates(moment):
    """(local, GMT) in WordPress's format; zeros for none, as WordPress writes for drafts."""
    if moment is None:
        return "0000-00-00 00:00:00", "0000-00-00 00:00:00"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M:%S}", f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def creator(digest):
    return digest.author.get_username() if digest.author else ""


class Exporter:
    def __init__(self, out, *, site_url=None):
        self.xml = WXRWriter(out)
        self.site_url = (site_url or blog_site_url()).rstrip("/")
        self.count = {"posts": 0, "pages": 0, "attachments": 0, "comments": 0}
        self.attachment_ids = {}  # stored file name -> attachment post id
        self.authors = set()

    def absolute(self, path_or_url):
        return path_or_url if "://" in path_or_url else self.site_url + path_or_url

    def file_url(self, name):
        return self.absolute(default_storage.url(name))

    def export(self):
        self.next_id = (Digest.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.header()
        self.attachments()
        self.pages()
        self.posts()
        self.xml.end_channel()
        return self.count

    def new_id(self):
        self.next_id += 1
        return self.next_id - 1

    # Channel ---------------------------------------------------------------------------

    def header(self):
        xml = self.xml
        xml.start_channel("A WordPress eXtended RSS (WXR) file, written by export_wxr.")
        xml.line("title", settings.BLOG_TITLE)
        xml.line("link", self.site_url)
        xml.line("description", settings.BLOG_TAGLINE)
        xml.line("pubDate", format_datetime(timezone.now().astimezone(UTC), usegmt=True))
        xml.line("language", settings.LANGUAGE_CODE)
        xml.line("wp:wxr_version", "1.2")
        xml.line("wp:base_site_url", self.site_url)
        xml.line("wp:base_blog_url", self.site_url)
        self.authors_and_terms()
        xml.line("generator", "digestblog export_wxr")

    def authors_and_terms(self):
        authors = {d.author for d in Digest.objects.select_related("author") if d.author}
        for user in sorted(authors, key=lambda u: u.pk):
            self.authors.add(user.pk)
            self.record("wp:author", [
                ("wp:author_id", user.pk),
                ("wp:author_login", user.get_username()),
                ("wp:author_email", user.email),
                ("wp:author_display_name", user.get_full_name() or user.get_username()),
                ("wp:author_first_name", user.first_name),
                ("wp:author_last_name", user.last_name),
            ])  # fmt: skip
        self.term_ids = {}
        for category in self.categories_parents_first():
            self.term_ids[("category", category.pk)] = len(self.term_ids) + 1
            self.record("wp:category", [
                ("wp:term_id", self.term_ids[("category", category.pk)]),
                ("wp:category_nicename", category.slug),
                ("wp:category_parent", category.parent.slug if category.parent else ""),
                # WordPress titles and term names are HTML; ours are plain text.
                ("wp:cat_name", escape(category.name)),
                ("wp:category_description", category.description),
            ])  # fmt: skip
        for tag in Tag.objects.order_by("pk"):
            self.term_ids[("tag", tag.pk)] = len(self.term_ids) + 1
            self.record("wp:tag", [
                ("wp:term_id", self.term_ids[("tag", tag.pk)]),
                ("wp:tag_slug", tag.slug),
                ("wp:tag_name", escape(tag.name)),
            ])  # fmt: skip

    def record(self, name, fields):
        """One line: <name> holding a (field, value) element each; text in CDATA, numbers not."""
        self.xml.startElement(name, {})
        for field, value in fields:
            self.xml.element(field, value, cdata=not isinstance(value, int))
        self.xml.endElement(name)
        self.xml.raw("\n")

    @staticmethod
    def categories_parents_first():
        categories = list(Category.objects.select_related("parent").order_by("pk"))
        done, ordered = set(), []

        def add(category, trail=()):
            if category.pk in done or category.pk in trail:
                return
            if category.parent and category.parent_id not in done:
                add(category.parent, (*trail, category.pk))
            done.add(category.pk)
            ordered.append(category)

        for category in categories:
            add(category)
        return ordered

    # Items -------------------------------------------------------------------------------

    @contextmanager
    def item(
        self, *, post_id, title, link, guid, creator, content, excerpt="", published, modified,
        comment_status, name, status, parent=0, post_type, sticky=False,
    ):  # fmt: skip
        """An <item> with WordPress's fields; what the body of the with writes follows them."""
        xml = self.xml
        date, date_gmt = wp_dates(published)
        changed, changed_gmt = wp_dates(modified)
        xml.startElement("item", {})
        xml.raw("\n")
        xml.line("title", escape(title), cdata=True)
        xml.line("link", link)
        xml.line("pubDate", format_datetime((published or modified).astimezone(UTC), usegmt=True))
        xml.line("dc:creator", creator, cdata=True)
        xml.line("guid", guid, attrs={"isPermaLink": "false"})
        xml.line("description")
        xml.line("content:encoded", content, cdata=True)
        xml.line("excerpt:encoded", excerpt, cdata=True)
        xml.line("wp:post_id", post_id)
        for field, value in (
            ("post_date", date), ("post_date_gmt", date_gmt), ("post_modified", changed),
            ("post_modified_gmt", changed_gmt), ("comment_status", comment_status),
            ("ping_status", "closed"), ("post_name", name), ("status", status),
        ):  # fmt: skip
            xml.line(f"wp:{field}", value, cdata=True)
        xml.line("wp:post_parent", parent)
        xml.line("wp:menu_order", 0)
        xml.line("wp:post_type", post_type, cdata=True)
        xml.line("wp:post_password", "", cdata=True)
        xml.line("wp:is_sticky", 1 if sticky else 0)
        yield
        xml.endElement("item")
        xml.raw("\n")

    def meta(self, key, value):
        self.record("wp:postmeta", [("wp:meta_key", key), ("wp:meta_value", str(value))])

    def term(self, domain, obj):
        attrs = {"domain": domain, "nicename": obj.slug}
        self.xml.line("category", escape(obj.name), cdata=True, attrs=attrs)

    def attachments(self):
        """Every stored image once: item images and covers."""
        items = MediaItem.objects.exclude(image="").select_related("digest", "digest__author")
        seen = {}
        for item in items.order_by("digest_id", "position", "pk").iterator(chunk_size=500):
            seen.setdefault(item.image.name, (item.digest, item.alt_text, item.caption))
        for digest in Digest.objects.exclude(cover_image="").select_related("author"):
            seen.setdefault(digest.cover_image.name, (digest, digest.cover_alt, ""))
        for name, (digest, alt, caption) in seen.items():
            post_id = self.new_id()
            self.attachment_ids[name] = post_id
            url = self.file_url(name)
            base = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            with self.item(
                post_id=post_id, title=base, link=url, guid=url, creator=creator(digest),
                content="", excerpt=caption, published=digest.published_at or digest.created_at,
                modified=digest.updated_at, comment_status="closed", name=base,
                status="inherit", parent=digest.pk, post_type="attachment",
            ):  # fmt: skip
                self.xml.line("wp:attachment_url", url, cdata=True)
                self.meta("_wp_attached_file", name)
                if alt:
                    self.meta("_wp_attachment_image_alt", alt)
            self.count["attachments"] += 1

    def pages(self):
        now = timezone.now()
        for page in FlatPage.objects.order_by("pk"):
            with self.item(
                post_id=self.new_id(), title=page.title, link=self.absolute(page.url),
                guid=self.absolute(page.url), creator="", content=page.content, published=now,
                modified=now, comment_status="closed",
                name=page.url.strip("/").rsplit("/", 1)[-1], status="publish", post_type="page",
            ):  # fmt: skip
                pass
            self.count["pages"] += 1

    def posts(self):
        links = Prefetch("links", queryset=RelatedLink.objects.order_by("position", "pk"))
        items = Prefetch(
            "media_items",
            queryset=MediaItem.objects.order_by("position", "pk").prefetch_related(links),
        )
        digests = (
            Digest.objects.order_by("pk")
            .select_related("author")
            .prefetch_related(items, "categories", "tags")
        )
        mappings = {
            digest_id: (guid, sticky)
            for digest_id, guid, sticky in WordPressPost.objects.filter(
                digest__isnull=False
            ).values_list("digest_id", "guid", "is_sticky")
        }
        now = timezone.now()
        for digest in digests.iterator(chunk_size=100):
            guid, sticky = mappings.get(digest.pk, (None, False))
            if digest.status == Digest.Status.PUBLISHED:
                status = (
                    "publish" if digest.published_at and digest.published_at <= now else "future"
                )
            else:
                status = "draft"
            with self.item(
                post_id=digest.pk, title=digest.title,
                link=self.absolute(digest.get_absolute_url()),
                guid=guid or f"{self.site_url}/?p={digest.pk}", creator=creator(digest),
                content=digest_html(digest, self.file_url, self.attachment_ids),
                published=digest.published_at, modified=digest.updated_at,
                comment_status="open" if digest.allow_comments else "closed",
                name=digest.slug, status=status, post_type="post", sticky=sticky,
            ):  # fmt: skip
                self.post_extras(digest)
            self.count["posts"] += 1

    def post_extras(self, digest):
        """A post's terms, its exact data, its featured image and its comments."""
        for category in digest.categories.all():
            self.term("category", category)
        for tag in digest.tags.all():
            self.term("post_tag", tag)
        self.meta(DIGEST_META, json.dumps(digest_data(digest, self.file_url)))
        if digest.cover_image and digest.cover_image.name in self.attachment_ids:
            self.meta("_thumbnail_id", self.attachment_ids[digest.cover_image.name])
        self.comments(digest)

    def comments(self, digest):
        for comment in DigestComment.objects.for_digest(digest).select_related("user"):
            date, date_gmt = wp_dates(comment.submit_date)
            parent = 0 if comment.parent_id == comment.pk else comment.parent_id
            user_id = comment.user_id if comment.user_id in self.authors else 0
            self.record("wp:comment", [
                ("wp:comment_id", comment.pk),
                ("wp:comment_author", comment.user_name),
                ("wp:comment_author_email", comment.user_email),
                ("wp:comment_author_url", comment.user_url),
                ("wp:comment_author_IP", comment.ip_address or ""),
                ("wp:comment_date", date),
                ("wp:comment_date_gmt", date_gmt),
                ("wp:comment_content", comment.comment),
                ("wp:comment_approved", COMMENT_APPROVED[comment.state]),
                ("wp:comment_type", "comment"),
                ("wp:comment_parent", parent),
                ("wp:comment_user_id", user_id),
            ])  # fmt: skip
            self.count["comments"] += 1
