"""WordPress posts → digests with items.

Statuses: publish → published; future → published, scheduled at its date (hidden
until then, like any scheduled digest); draft, pending and private → draft;
password-protected → draft, whatever its status (this site has no post passwords;
publishing would show the text to everyone). Sticky posts keep their date order
(digests are not pinned); the flag is kept for the export. A post's HTML becomes
the intro and items (wxr.content); a digest exported by export_wxr carries its
exact items in the DIGEST_META field and is rebuilt from that instead.
Pages: wxr.pages.
"""

import html
import json
from urllib.parse import urlparse

from django.utils import timezone

from blog.models import Digest, MediaItem, RelatedLink
from blog.sanitize import strip_tags
from blog.text import normalise_all

from . import content as wp_content
from .media import Media
from .models import WordPressPost
from .values import (
    ZERO_DATE,
    checked_url,
    make_slug,
    number,
    old_path,
    original_of,
    source_hash,
    truncate,
    wp_date,
)

# Bump when the mapping changes, so that a re-import rebuilds what it made before.
MAPPING_VERSION = "1"
# The exact digest, written by export_wxr next to the HTML that WordPress shows.
DIGEST_META = "_digestblog"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp")


def is_image_url(url):
    return urlparse(url or "").path.lower().endswith(IMAGE_EXTENSIONS)


class Posts:
    def __init__(self, run):
        self.run = run  # the Importer: summary, uploads, authors, terms, threads, attachments

    def image_file(self, media, what):
        """The stored file for an image in a post, trying the full-size original first."""
        files = self.run.attachment_files
        if files.get(media.attachment_id) is not None:
            return files[media.attachment_id]
        candidates = []
        for url in (media.url, media.link if is_image_url(media.link) else ""):
            if url:
                candidates += [original_of(url), url]
        for candidate in dict.fromkeys(candidates):
            file = self.run.uploads.store(candidate, what)
            if file is not None:
                return file
        for url in (media.url, media.link):
            file = files.get(self.run.attachment_ids_by_url.get(url))
            if file is not None:
                return file
        return None

    def gallery(self, post_id):
        """[gallery]: the listed attachments, or the post's own images in their order."""

        def images(ids):
            if ids is None:
                found = sorted(
                    (a for a in self.run.attachments.values() if a["parent"] == post_id),
                    key=lambda a: (a["order"], a["wp_id"]),
                )
                found = [a for a in found if is_image_url(a["url"])]
            else:
                found = []
                for attachment_id in ids:
                    if attachment_id in self.run.attachments:
                        found.append(self.run.attachments[attachment_id])
                    else:
                        self.run.summary.warn(
                            f"Post {post_id}: [gallery] lists attachment {attachment_id}, "
                            "which is not in the file; left out."
                        )
            return [
                Media(
                    "image",
                    a["url"],
                    caption=a["caption"],
                    alt=a["alt"],
                    title=a["caption"] or a["title"],
                    attachment_id=a["wp_id"],
                )
                for a in found
                if a["url"]
            ]

        return images

    # Posts -------------------------------------------------------------------------

    def import_post(self, record):
        wp_id = number(record.get("wp:post_id"))
        guid = record.get("guid", "").strip()[:500]
        status = record.get("wp:status", "").strip()
        what = f"Post {wp_id}"
        if status in {"auto-draft", "trash", "inherit"}:
            self.run.summary.count("posts", "skipped", status)
            self.run.threads.skip(record["comments"], f"on a skipped post ({status})")
            return
        path = old_path(record.get("link", ""))
        mapping = self.run.matcher.find(WordPressPost, wp_id, guid, path, post_type="post")
        read = source_hash(
            MAPPING_VERSION,
            str(self.run.uploads.folder),
            {k: v for k, v in record.items() if k != "comments"},
        )
        if mapping is not None and mapping.digest_id and mapping.source_hash == read:
            # Still note the site (and guid) on a row an earlier version of the import made.
            self.run.matcher.keep(WordPressPost, mapping, {"guid": guid or None})
            self.run.summary.count("posts", "unchanged")
            self.run.threads.import_all(mapping, mapping.digest, record["comments"])
            return
        digest = (mapping.digest if mapping else None) or Digest()
        created = digest.pk is None

        published_at = wp_date(
            record.get("wp:post_date_gmt"), record.get("wp:post_date"), record.get("pubDate")
        )
        password = record.get("wp:post_password", "").strip()
        if status in {"publish", "future"} and not password:
            digest.status = Digest.Status.PUBLISHED
            if published_at is None:
                published_at = timezone.now()
        else:
            digest.status = Digest.Status.DRAFT
            if record.get("wp:post_date_gmt", "").strip() in {"", ZERO_DATE}:
                published_at = None
            if password:
                self.run.summary.warn(
                    f"{what} is password-protected: imported as a draft (this site has no "
                    "post passwords; publish it in the admin if it may be public)."
                )
            elif status not in {"draft", "pending", "private"}:
                self.run.summary.warn(f"{what} has the status {status!r}: imported as a draft.")
        digest.published_at = published_at
        digest.author = self.run.authors.get(record.get("dc:creator"))
        digest.allow_comments = record.get("wp:comment_status", "open").strip() != "closed"

        parsed = self.parse_digest(record, wp_id, what)
        title = truncate(wp_content.plain_title(record.get("title", "")), 200)
        if not title:
            title = self.untitled(parsed, published_at)
            self.run.summary.warn(f"{what} has no title: titled {title!r}.")
        digest.title = title
        digest.intro = parsed["intro"]
        wanted_slug = make_slug(
            record.get("wp:post_name", ""), title, max_length=200, fallback=f"post-{wp_id}"
        )
        if digest.slug != wanted_slug:
            digest.slug = self.free_slug(wanted_slug, digest.pk, what)
        digest.save()

        if not created:
            digest.media_items.all().delete()
        for position, item in enumerate(parsed["items"]):
            self.create_item(digest, position, item, what)
        digest.refresh_search_text()
        categories, tags = self.run.terms.of_post(record)
        digest.categories.set(categories)
        digest.tags.set(tags)
        self.set_cover(digest, record, what)

        values = {
            "wp_id": wp_id,
            "guid": guid or None,
            "post_type": "post",
            "old_path": path,
            "digest_id": digest.pk,
            "is_sticky": record.get("wp:is_sticky", "0").strip() == "1",
            "source_hash": read,
        }
        if values["is_sticky"]:
            self.run.summary.warn(
                f"{what} is sticky: imported in date order (digests are not pinned); "
                "the flag is kept for the export."
            )
        mapping, _ = self.run.matcher.keep(WordPressPost, mapping, values)
        self.run.summary.count("posts", "created" if created else "updated")
        self.run.threads.import_all(mapping, digest, record["comments"])

    @staticmethod
    def untitled(parsed, published_at):
        text = html.unescape(strip_tags(parsed["intro"])).split()
        if text:
            return truncate(" ".join(text[:10]), 80)
        if parsed["items"]:
            return truncate(parsed["items"][0]["title"], 80)
        return f"Untitled digest of {published_at:%Y-%m-%d}" if published_at else "Untitled digest"

    def free_slug(self, slug, pk, what):
        candidate, n = slug, 1
        while Digest.objects.filter(slug=candidate).exclude(pk=pk).exists():
            n += 1
            candidate = f"{slug[: 200 - len(str(n)) - 1]}-{n}"
        if candidate != slug:
            self.run.summary.warn(f"{what}: the slug {slug!r} is taken; using {candidate!r}.")
        return candidate

    def parse_digest(self, record, wp_id, what):
        """{"intro": Markdown or clean HTML, "items": [dict]} from our own meta or the HTML."""
        meta = dict(record["postmeta"]).get(DIGEST_META)
        if meta:
            exact = self.digest_from_meta(meta, what)
            if exact is not None:
                return exact
        parsed = wp_content.parse(
            record.get("content:encoded", ""),
            base_url=self.run.base_url,
            gallery=self.gallery(wp_id),
        )
        for name in parsed.shortcodes:
            self.run.summary.warn(f"{what}: the shortcode [{name}] is kept as plain text.")
        items = []
        for item in parsed.items:
            media = item.media
            entry = {
                "kind": media.kind,
                "title": item.title,
                "source": item.source,
                "description": item.description_html,
                "url": media.url if media.kind != "image" else (media.link or item.url),
                "image_refs": [],
                "media": media,
                "caption": media.caption,
                "alt_text": media.alt,
                "links": [],
            }
            if media.kind == "image" and is_image_url(entry["url"]):
                entry["url"] = ""  # a link to the picture itself, at the old blog
            items.append(entry)
        return {"intro": parsed.intro_html, "items": items}

    def digest_from_meta(self, raw, what):
        try:
            data = normalise_all(json.loads(raw), multiline=True, drop_nul=True)
            items = []
            for item in data.get("items", []):
                kind = item.get("kind", "link")
                if kind not in MediaItem.Kind.values:
                    kind = MediaItem.Kind.LINK
                items.append(
                    {
                        "kind": kind,
                        "title": str(item.get("title", "")),
                        "source": str(item.get("source", "")),
                        "description": str(item.get("description", "")),
                        "url": str(item.get("url", "")),
                        "image_refs": [str(r) for r in item.get("image", []) if r],
                        "media": None,
                        "caption": str(item.get("caption", "")),
                        "credit": str(item.get("credit", "")),
                        "alt_text": str(item.get("alt_text", "")),
                        "decorative": bool(item.get("decorative", False)),
                        "links_heading": str(item.get("links_heading", "")),
                        "links": [
                            (str(link.get("title", "")), str(link.get("url", "")))
                            for link in item.get("links", [])
                        ],
                    }
                )
            return {"intro": str(data.get("intro", "")), "items": items}
        except (ValueError, TypeError, AttributeError):
            self.run.summary.warn(f"{what}: its {DIGEST_META} data is unreadable; read its HTML.")
            return None

    def create_item(self, digest, position, entry, what):
        fields = {
            "digest": digest,
            "position": position,
            "kind": entry["kind"],
            "title": truncate(entry["title"], 300) or "Untitled item",
            "source": truncate(entry["source"], 300),
            "description": entry["description"],
            "caption": truncate(entry.get("caption", ""), 500),
            "credit": truncate(entry.get("credit", ""), 300),
            "alt_text": truncate(entry.get("alt_text", ""), 300),
            "decorative": entry.get("decorative", False),
            "links_heading": truncate(entry.get("links_heading", ""), 300),
        }
        url, media, file = entry["url"], entry["media"], None
        if media is not None and media.kind == "image":
            file = self.image_file(media, what)
            references = [r for r in (media.url, original_of(media.url), media.link) if r]
        else:
            references = entry["image_refs"]
            for reference in references:
                file = file or self.run.uploads.store(reference, what)
        if file is not None:
            fields.update(
                kind=MediaItem.Kind.IMAGE,
                image=file.name,
                image_width=file.width,
                image_height=file.height,
            )
            if not fields["alt_text"] and not fields["decorative"] and media is not None:
                fields["alt_text"] = truncate(media.caption or media.title or media.alt, 300)
            if not fields["alt_text"] and not fields["decorative"]:
                fields["decorative"] = True
                self.run.summary.warn(
                    f"{what}: the image {references[0]} has no description: marked decorative; "
                    "describe it in the admin if it tells something."
                )
        elif references and (media is not None or fields["kind"] == MediaItem.Kind.IMAGE):
            # Not stored: the item links to the picture at its old address instead.
            fields["kind"], url = MediaItem.Kind.LINK, url or references[-1]
            if media is not None:
                url = media.url
            if not self.run.uploads.refused(*references):
                where = "no --uploads-dir" if self.run.uploads.folder is None else "not found"
                self.run.summary.warn(
                    f"{what}: the image {url} was not stored ({where}); "
                    "kept as a link to its old address."
                )
        if fields["kind"] == MediaItem.Kind.IMAGE and file is None:
            fields["kind"] = MediaItem.Kind.LINK
        fields["url"] = checked_url(url)
        if url and not fields["url"]:
            self.run.summary.warn(f"{what}: the address {url[:80]} is too long or not http(s).")
        item = MediaItem(**fields)
        item.save()
        for link_position, (title, link_url) in enumerate(entry.get("links", [])):
            link_url = checked_url(link_url)
            if link_url:
                RelatedLink.objects.create(
                    item=item,
                    position=link_position,
                    title=truncate(title, 300) or link_url[:300],
                    url=link_url,
                )
        return item

    def set_cover(self, digest, record, what):
        thumbnail = number(dict(record["postmeta"]).get("_thumbnail_id"), None)
        file = self.run.attachment_files.get(thumbnail) if thumbnail else None
        attachment = self.run.attachments.get(thumbnail) or {}
        values = {"cover_image": "", "cover_width": None, "cover_height": None}
        if file is not None:
            values = {
                "cover_image": file.name,
                "cover_width": file.width,
                "cover_height": file.height,
                "cover_alt": truncate(attachment.get("alt") or attachment.get("title"), 300)
                or digest.title[:300],
            }
        elif thumbnail:
            self.run.summary.warn(
                f"{what}: its featured image (attachment {thumbnail}) is not stored."
            )
        # update(): assigning the field would open the file to measure it, even in a dry run.
        Digest.objects.filter(pk=digest.pk).update(**values)
