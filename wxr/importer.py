"""Importing a WordPress export (WXR): two passes over the file.

The first pass only reads. It checks the whole file, so a malformed or hostile
file is refused before anything is written, and gathers the authors, terms and
attachments that posts refer to (an attachment usually comes after the post that
shows it). The second pass writes, in one transaction: rolled back on any error,
and at the end of a dry run; files stored on the way are deleted again then.
Rows are found again by WordPress ids on the same site, else by guids
(wxr.matching), so a second run updates instead of adding copies. What each
WordPress thing becomes is told in wxr.posts, wxr.threads, wxr.terms and wxr.uploads.
"""

from pathlib import Path

from django.contrib.sites.models import Site
from django.db import transaction

from blog.news import not_news

from . import content as wp_content
from .matching import Matcher
from .media import plain
from .models import WordPressAttachment
from .models import WordPressTerm as Term
from .pages import import_page
from .posts import Posts, is_image_url
from .reader import Reader, WXRError
from .summary import Summary
from .terms import Authors, Terms
from .threads import Threads
from .uploads import Uploads
from .values import checked_url, number, old_path, site_of

SUPPORTED_VERSIONS = {"1.0", "1.1", "1.2"}


class _NoProgress:
    def update(self, n):
        pass

    def close(self):
        pass


class Importer:
    """``Importer(path, uploads_dir=…, dry_run=…).run()`` returns a Summary.

    ``progress(total=…, unit=…, desc=…)`` makes a progress bar (tqdm's signature).
    """

    def __init__(self, path, *, uploads_dir=None, dry_run=False, progress=None):
        self.path = Path(path)
        folder = Path(uploads_dir).resolve() if uploads_dir else None
        if folder is not None and not folder.is_dir():
            raise WXRError(f"--uploads-dir {uploads_dir} is not a folder.")
        self.dry_run = dry_run
        self.progress = progress or (lambda **kwargs: _NoProgress())
        self.summary = Summary(dry_run=dry_run)
        self.uploads = Uploads(folder, self.summary, dry_run=dry_run)
        self.authors = Authors(self.summary)
        self.terms = Terms(self.summary)
        self.posts = Posts(self)
        self.matcher = Matcher()
        self.base_url = ""
        # Gathered by the first pass.
        self.author_records, self.categories, self.tags = {}, [], []
        self.attachments = {}  # WordPress id -> what posts need to know of it
        self.attachment_ids_by_url = {}
        self.item_count = 0
        # Filled by the second pass.
        self.attachment_files = {}  # WordPress id -> WordPressFile or None

    def run(self):
        reader = Reader(self.path)
        self.scan(reader)
        version = reader.channel.wxr_version
        if version and version not in SUPPORTED_VERSIONS:
            self.summary.warn(f"WXR version {version} is newer than 1.2; read as 1.2.")
        self.base_url = reader.channel.blog_url
        self.matcher.source = site_of(self.base_url)
        for message in self.matcher.shared_guids():
            self.summary.warn(message)
        try:
            # Imported posts are old news: followers are never mailed about them.
            with not_news(), transaction.atomic():
                self.write(reader)
                if self.dry_run:
                    transaction.set_rollback(True)
        except BaseException:
            self.uploads.remove_stored()
            raise
        return self.summary

    # First pass: read only ----------------------------------------------------------

    def scan(self, reader):
        bar = self.progress(total=reader.size, unit="B", unit_scale=True, desc="Checking")
        last = 0
        for kind, record in reader:
            if kind == "author":
                login = record.get("wp:author_login", "").strip()
                if login:
                    self.author_records.setdefault(login, record)
            elif kind == "category":
                self.categories.append(
                    self.term_record(record, "category_nicename", "cat_name", "category_")
                )
            elif kind == "tag":
                self.tags.append(self.term_record(record, "tag_slug", "tag_name", "tag_"))
            elif kind == "term":
                self.scan_term(record)
            elif kind == "item":
                post_type = record.get("wp:post_type", "").strip() or "post"
                guid = record.get("guid", "").strip()[:500]
                self.matcher.see(post_type, number(record.get("wp:post_id")), guid)
                if post_type == "attachment":
                    self.scan_attachment(record)
                self.item_count += 1
            bar.update(reader.position - last)
            last = reader.position
        bar.close()

    @staticmethod
    def term_record(record, slug, name, prefix):
        return {
            "term_id": number(record.get("wp:term_id"), None),
            "slug": record.get(f"wp:{slug}", ""),
            "parent": record.get(f"wp:{prefix}parent", ""),
            "name": record.get(f"wp:{name}", ""),
            "description": record.get(f"wp:{prefix}description", ""),
        }

    def scan_term(self, record):
        """WXR 1.2's <wp:term>: categories and tags not listed before; others are skipped."""
        taxonomy = record.get("wp:term_taxonomy", "").strip()
        if taxonomy not in {"category", "post_tag"}:
            self.summary.count("other", "skipped", f"{taxonomy or 'unknown'} term")
            return
        term = self.term_record(record, "term_slug", "term_name", "term_")
        known = self.categories if taxonomy == "category" else self.tags
        if not any(t["slug"] == term["slug"] for t in known):
            known.append(term)

    def scan_attachment(self, record):
        meta = dict(record["postmeta"])
        wp_id = number(record.get("wp:post_id"))
        guid = record.get("guid", "").strip()
        self.attachments[wp_id] = {
            "wp_id": wp_id,
            "guid": guid[:500],
            "url": record.get("wp:attachment_url", "").strip() or guid,
            "path": meta.get("_wp_attached_file", ""),
            "parent": number(record.get("wp:post_parent")),
            "order": number(record.get("wp:menu_order")),
            "title": wp_content.plain_title(record.get("title", "")),
            "caption": plain(record.get("excerpt:encoded", "")),
            "alt": " ".join(meta.get("_wp_attachment_image_alt", "").split()),
            "link": record.get("link", ""),
        }
        self.attachment_ids_by_url[self.attachments[wp_id]["url"]] = wp_id

    # Second pass: write ---------------------------------------------------------------

    def write(self, reader):
        self.site = Site.objects.get_current()
        self.threads = Threads(self.summary, users_by_wp_id=self.authors.by_wp_id)
        for login, record in self.author_records.items():
            self.authors.add(login, record)
        self.terms.add_categories(self.categories)
        for tag in self.tags:
            self.terms.get(Term.Taxonomy.TAG, tag["slug"], tag["name"], term_id=tag["term_id"])
        for attachment in self.attachments.values():
            self.import_attachment(attachment)
        bar = self.progress(total=self.item_count, unit=" items", desc="Importing")
        for kind, record in reader:
            if kind != "item":
                continue
            post_type = record.get("wp:post_type", "").strip() or "post"
            if post_type == "post":
                self.posts.import_post(record)
            elif post_type == "page":
                import_page(self, record)
            elif post_type != "attachment":
                self.summary.count("other", "skipped", post_type)
                self.threads.skip(record["comments"], f"on a {post_type}")
            bar.update(1)
        bar.close()

    def import_attachment(self, attachment):
        """Store an attachment's file if it can be; remember its old addresses either way."""
        wp_id, what = attachment["wp_id"], f"Attachment {attachment['wp_id']}"
        file = None
        if is_image_url(attachment["url"]) or is_image_url(attachment["path"]):
            file = self.uploads.store(attachment["path"], what) or self.uploads.store(
                attachment["url"], what
            )
            if file is None and not self.uploads.refused(attachment["path"], attachment["url"]):
                where = (
                    "not found under --uploads-dir" if self.uploads.folder else "no --uploads-dir"
                )
                self.summary.warn(
                    f"{what} ({attachment['url'] or attachment['path']}): {where}; "
                    "kept as a link to its old address."
                )
        else:
            self.summary.warn(
                f"{what} ({attachment['url']}) is not an image; kept as a link to its old address."
            )
        self.attachment_files[wp_id] = file
        path = old_path(attachment["link"])
        mapping = self.matcher.find(WordPressAttachment, wp_id, attachment["guid"], path)
        values = {
            "wp_id": wp_id,
            "guid": attachment["guid"] or None,
            "url": checked_url(attachment["url"]),
            "old_path": path,
            "file_id": file.pk if file else None,
        }
        _, changed = self.matcher.keep(WordPressAttachment, mapping, values)
        outcome = "created" if mapping is None else "updated" if changed else "unchanged"
        self.summary.count("attachments", outcome)
