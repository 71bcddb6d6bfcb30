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
from datetime import UTC
from email.utils import format_datetime
from html import escape

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.core.files.storage import default_storage
from django.db.models import Max, Prefetch
from django.utils import timezone

from blog.models import Category, Digest, MediaItem, RelatedLink, Tag
from blog.text import xml_chars
from comments.models import DigestComment

from .models import WordPressPost
from .posts import DIGEST_META

WP = "http://wordpress.org/export/1.2/"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": WP,
}
COMMENT_APPROVED = {
    DigestComment.State.PUBLIC: "1",
    DigestComment.State.HELD: "0",
    DigestComment.State.UNVERIFIED: "0",
    DigestComment.State.SPAM: "spam",
    DigestComment.State.REMOVED: "trash",
}


def default_site_url():
    domain = settings.SITE_DOMAIN
    local = domain.split(":")[0] in {"localhost", "127.0.0.1", "testserver", "[::1]"}
    return f"{'http' if local else 'https'}://{domain}"


# text() and cdata() are the only ways a stored string reaches the file: both drop what
# XML 1.0 forbids (blog.text.xml_chars), before "]]>" is split, so no row breaks the export.
def text(value):
    return escape(xml_chars(str(value or "")), quote=False)


def cdata(value):
    value = xml_chars(str(value or ""))
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wp_dates(moment):
    """(local, GMT) in WordPress's format; zeros for none, as WordPress writes for drafts."""
    if moment is None:
        return "0000-00-00 00:00:00", "0000-00-00 00:00:00"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M:%S}", f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def creator(digest):
    return digest.author.get_username() if digest.author else ""


def term(domain, obj):
    name = cdata(escape(obj.name))
    return f'<category domain="{domain}" nicename="{text(obj.slug)}">{name}</category>\n'


class Exporter:
    def __init__(self, out, *, site_url=None):
        self.out = out
        self.site_url = (site_url or default_site_url()).rstrip("/")
        self.count = {"posts": 0, "pages": 0, "attachments": 0, "comments": 0}
        self.attachment_ids = {}  # stored file name -> attachment post id
        self.authors = set()

    def write(self, *lines):
        self.out.write("".join(lines))

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
        self.write("</channel>\n</rss>\n")
        return self.count

    def new_id(self):
        self.next_id += 1
        return self.next_id - 1

    # Channel ---------------------------------------------------------------------------

    def header(self):
        namespaces = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NAMESPACES.items())
        self.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n',
            "<!-- A WordPress eXtended RSS (WXR) file, written by export_wxr. -->\n",
            f'<rss version="2.0" {namespaces}>\n<channel>\n',
            f"<title>{text(settings.BLOG_TITLE)}</title>\n",
            f"<link>{text(self.site_url)}</link>\n",
            f"<description>{text(settings.BLOG_TAGLINE)}</description>\n",
            f"<pubDate>{format_datetime(timezone.now().astimezone(UTC), usegmt=True)}</pubDate>\n",
            f"<language>{text(settings.LANGUAGE_CODE)}</language>\n",
            "<wp:wxr_version>1.2</wp:wxr_version>\n",
            f"<wp:base_site_url>{text(self.site_url)}</wp:base_site_url>\n",
            f"<wp:base_blog_url>{text(self.site_url)}</wp:base_blog_url>\n",
        )
        authors = {d.author for d in Digest.objects.select_related("author") if d.author}
        for user in sorted(authors, key=lambda u: u.pk):
            self.authors.add(user.pk)
            self.write(
                "<wp:author>",
                f"<wp:author_id>{user.pk}</wp:author_id>",
                f"<wp:author_login>{cdata(user.get_username())}</wp:author_login>",
                f"<wp:author_email>{cdata(user.email)}</wp:author_email>",
                f"<wp:author_display_name>{cdata(user.get_full_name() or user.get_username())}"
                "</wp:author_display_name>",
                f"<wp:author_first_name>{cdata(user.first_name)}</wp:author_first_name>",
                f"<wp:author_last_name>{cdata(user.last_name)}</wp:author_last_name>",
                "</wp:author>\n",
            )
        self.term_ids = {}
        for category in self.categories_parents_first():
            self.term_ids[("category", category.pk)] = len(self.term_ids) + 1
            parent = category.parent.slug if category.parent else ""
            self.write(
                "<wp:category>",
                f"<wp:term_id>{self.term_ids[('category', category.pk)]}</wp:term_id>",
                f"<wp:category_nicename>{cdata(category.slug)}</wp:category_nicename>",
                f"<wp:category_parent>{cdata(parent)}</wp:category_parent>",
                f"<wp:cat_name>{cdata(escape(category.name))}</wp:cat_name>",
                f"<wp:category_description>{cdata(category.description)}</wp:category_description>",
                "</wp:category>\n",
            )
        for tag in Tag.objects.order_by("pk"):
            self.term_ids[("tag", tag.pk)] = len(self.term_ids) + 1
            self.write(
                "<wp:tag>",
                f"<wp:term_id>{self.term_ids[('tag', tag.pk)]}</wp:term_id>",
                f"<wp:tag_slug>{cdata(tag.slug)}</wp:tag_slug>",
                f"<wp:tag_name>{cdata(escape(tag.name))}</wp:tag_name>",
                "</wp:tag>\n",
            )
        self.write("<generator>digestblog export_wxr</generator>\n")

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

    def item(
        self, *, post_id, title, link, guid, guid_is_permalink, creator, content, excerpt="",
        published, modified, comment_status, name, status, parent=0, post_type, sticky=False,
        extra=(),
    ):  # fmt: skip
        date, date_gmt = wp_dates(published)
        changed, changed_gmt = wp_dates(modified)
        pub = format_datetime((published or modified).astimezone(UTC), usegmt=True)
        self.write(
            "<item>\n",
            # WordPress titles and term names are HTML; ours are plain text.
            f"<title>{cdata(escape(title))}</title>\n",
            f"<link>{text(link)}</link>\n",
            f"<pubDate>{pub}</pubDate>\n",
            f"<dc:creator>{cdata(creator)}</dc:creator>\n",
            f'<guid isPermaLink="{"true" if guid_is_permalink else "false"}">{text(guid)}</guid>\n',
            "<description></description>\n",
            f"<content:encoded>{cdata(content)}</content:encoded>\n",
            f"<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>\n",
            f"<wp:post_id>{post_id}</wp:post_id>\n",
            f"<wp:post_date>{cdata(date)}</wp:post_date>\n",
            f"<wp:post_date_gmt>{cdata(date_gmt)}</wp:post_date_gmt>\n",
            f"<wp:post_modified>{cdata(changed)}</wp:post_modified>\n",
            f"<wp:post_modified_gmt>{cdata(changed_gmt)}</wp:post_modified_gmt>\n",
            f"<wp:comment_status>{cdata(comment_status)}</wp:comment_status>\n",
            "<wp:ping_status><![CDATA[closed]]></wp:ping_status>\n",
            f"<wp:post_name>{cdata(name)}</wp:post_name>\n",
            f"<wp:status>{cdata(status)}</wp:status>\n",
            f"<wp:post_parent>{parent}</wp:post_parent>\n",
            "<wp:menu_order>0</wp:menu_order>\n",
            f"<wp:post_type>{cdata(post_type)}</wp:post_type>\n",
            "<wp:post_password><![CDATA[]]></wp:post_password>\n",
            f"<wp:is_sticky>{1 if sticky else 0}</wp:is_sticky>\n",
            *extra,
            "</item>\n",
        )

    @staticmethod
    def meta(key, value):
        return (
            f"<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
            f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>\n"
        )

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
            base = name.rsplit("/", 1)[-1]
            self.item(
                post_id=post_id, title=base.rsplit(".", 1)[0], link=url, guid=url,
                guid_is_permalink=False, creator=creator(digest),
                content="", excerpt=caption, published=digest.published_at or digest.created_at,
                modified=digest.updated_at, comment_status="closed", name=base.rsplit(".", 1)[0],
                status="inherit", parent=digest.pk, post_type="attachment",
                extra=(
                    f"<wp:attachment_url>{cdata(url)}</wp:attachment_url>\n",
                    self.meta("_wp_attached_file", name),
                    self.meta("_wp_attachment_image_alt", alt) if alt else "",
                ),
            )  # fmt: skip
            self.count["attachments"] += 1

    def pages(self):
        now = timezone.now()
        for page in FlatPage.objects.order_by("pk"):
            self.item(
                post_id=self.new_id(), title=page.title, link=self.absolute(page.url),
                guid=self.absolute(page.url), guid_is_permalink=False, creator="",
                content=page.content, published=now, modified=now, comment_status="closed",
                name=page.url.strip("/").rsplit("/", 1)[-1], status="publish", post_type="page",
            )  # fmt: skip
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
            extra = [term("category", c) for c in digest.categories.all()]
            extra += [term("post_tag", t) for t in digest.tags.all()]
            extra.append(self.meta(DIGEST_META, json.dumps(self.digest_data(digest))))
            if digest.cover_image and digest.cover_image.name in self.attachment_ids:
                extra.append(
                    self.meta("_thumbnail_id", self.attachment_ids[digest.cover_image.name])
                )
            extra += self.comments(digest)
            link = self.absolute(digest.get_absolute_url())
            self.item(
                post_id=digest.pk, title=digest.title, link=link,
                guid=guid or f"{self.site_url}/?p={digest.pk}", guid_is_permalink=False,
                creator=creator(digest),
                content=self.digest_html(digest), published=digest.published_at,
                modified=digest.updated_at,
                comment_status="open" if digest.allow_comments else "closed",
                name=digest.slug, status=status, post_type="post", sticky=sticky, extra=extra,
            )  # fmt: skip
            self.count["posts"] += 1

    def digest_data(self, digest):
        """The digest exactly, for this site's own import."""
        return {
            "version": 1,
            "intro": digest.intro,
            "items": [
                {
                    "kind": item.kind,
                    "title": item.title,
                    "source": item.source,
                    "description": item.description,
                    "url": item.url,
                    "image": [item.image.name, self.file_url(item.image.name)]
                    if item.image
                    else [],
                    "alt_text": item.alt_text,
                    "decorative": item.decorative,
                    "caption": item.caption,
                    "credit": item.credit,
                    "links": [{"title": link.title, "url": link.url} for link in item.links.all()],
                }
                for item in digest.media_items.all()
            ],
        }

    def digest_html(self, digest):
        """What WordPress shows: block markup that its editor opens, and that this site's
        import reads back (wxr.content) when the exact data is missing."""
        parts = [digest.intro_html]
        for item in digest.media_items.all():
            title = escape(item.title)
            if item.url and not item.video and not item.image:
                title = f'<a href="{escape(item.url)}">{title}</a>'
            parts.append(f"<!-- wp:heading -->\n<h2>{title}</h2>\n<!-- /wp:heading -->")
            if item.source:
                parts.append(f'<p class="digest-source">{escape(item.source)}</p>')
            caption = escape(item.caption)
            figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
            if item.video:
                provider = item.video.provider
                attrs = json.dumps({"url": item.url, "type": "video", "providerNameSlug": provider})
                parts.append(
                    f"<!-- wp:embed {attrs} -->\n"
                    f'<figure class="wp-block-embed is-type-video is-provider-{provider}">'
                    f'<div class="wp-block-embed__wrapper">\n{escape(item.url)}\n</div>'
                    f"{figcaption}</figure>\n<!-- /wp:embed -->"
                )
            elif item.image:
                attachment_id = self.attachment_ids.get(item.image.name, 0)
                alt = "" if item.decorative else escape(item.alt_text)
                img = (
                    f'<img src="{escape(self.file_url(item.image.name))}" alt="{alt}" '
                    f'class="wp-image-{attachment_id}"/>'
                )
                if item.url:
                    img = f'<a href="{escape(item.url)}">{img}</a>'
                parts.append(
                    f'<!-- wp:image {{"id":{attachment_id}}} -->\n'
                    f'<figure class="wp-block-image">{img}{figcaption}</figure>\n'
                    "<!-- /wp:image -->"
                )
            if item.description_html:
                parts.append(item.description_html)
            related = [
                f'<li><a href="{escape(link.url)}">{escape(link.title)}</a></li>'
                for link in item.links.all()
            ]
            if related:
                parts.append(f"<ul>{''.join(related)}</ul>")
        return "\n\n".join(p for p in parts if p)

    def comments(self, digest):
        out = []
        for comment in DigestComment.objects.for_digest(digest).select_related("user"):
            date, date_gmt = wp_dates(comment.submit_date)
            parent = 0 if comment.parent_id == comment.pk else comment.parent_id
            user_id = comment.user_id if comment.user_id in self.authors else 0
            out.append(
                "<wp:comment>"
                f"<wp:comment_id>{comment.pk}</wp:comment_id>"
                f"<wp:comment_author>{cdata(comment.user_name)}</wp:comment_author>"
                f"<wp:comment_author_email>{cdata(comment.user_email)}</wp:comment_author_email>"
                f"<wp:comment_author_url>{cdata(comment.user_url)}</wp:comment_author_url>"
                f"<wp:comment_author_IP>{cdata(comment.ip_address or '')}</wp:comment_author_IP>"
                f"<wp:comment_date>{cdata(date)}</wp:comment_date>"
                f"<wp:comment_date_gmt>{cdata(date_gmt)}</wp:comment_date_gmt>"
                f"<wp:comment_content>{cdata(comment.comment)}</wp:comment_content>"
                f"<wp:comment_approved>{cdata(COMMENT_APPROVED[comment.state])}</wp:comment_approved>"
                "<wp:comment_type><![CDATA[comment]]></wp:comment_type>"
                f"<wp:comment_parent>{parent}</wp:comment_parent>"
                f"<wp:comment_user_id>{user_id}</wp:comment_user_id>"
                "</wp:comment>\n"
            )
            self.count["comments"] += 1
        return out
