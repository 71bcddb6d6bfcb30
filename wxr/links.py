"""Where an old WordPress address lives now: answers for wxr.middleware.

/?p=ID, /?page_id=ID, /?attachment_id=ID, /?cat=ID, /?tag=slug, /?m=YYYYMM and
/?feed=… on the home page; on a 404, the old permalinks recorded by the import
(any permalink structure, e.g. /archives/123 or a renamed slug), attachment pages,
/wp-content/uploads/… files (resized copies too: x-300x200.jpg → x.jpg),
/category/parent/child/ and old %-encoded term slugs. Drafts and scheduled
digests are never revealed: their old addresses stay 404s.
"""

import re
from urllib.parse import unquote

from django.urls import reverse

from blog.models import Category, Digest, Tag

from .models import WordPressAttachment, WordPressFile, WordPressPost, WordPressTerm
from .values import original_of

_UPLOADS = re.compile(r"^/wp-content/uploads/(.+)$")
_MONTH = re.compile(r"^(\d{4})(\d{2})?")


def _post_target(mapping):
    if mapping is None:
        return None
    if mapping.digest_id:
        digest = Digest.objects.published().filter(pk=mapping.digest_id).first()
        return digest.get_absolute_url() if digest else None
    if mapping.flatpage_id:
        return mapping.flatpage.get_absolute_url()
    return None


def _number(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def for_query(query):
    """The new address for an old /?p=… style link, or None."""
    for key in ("p", "page_id"):
        wp_id = _number(query.get(key))
        if wp_id is not None:
            mapping = (
                WordPressPost.objects.filter(wp_id=wp_id)
                .select_related("flatpage")
                .order_by("-imported_at", "-pk")
                .first()
            )
            return _post_target(mapping)
    attachment_id = _number(query.get("attachment_id"))
    if attachment_id is not None:
        attachment = (
            WordPressAttachment.objects.filter(wp_id=attachment_id, file__isnull=False)
            .select_related("file")
            .order_by("-pk")
            .first()
        )
        return attachment.get_absolute_url() if attachment else None
    category_id = _number(query.get("cat"))
    if category_id is not None:
        term = (
            WordPressTerm.objects.filter(term_id=category_id, category__isnull=False)
            .select_related("category")
            .first()
        )
        return term.category.get_absolute_url() if term else None
    if query.get("tag"):
        tag = _term(WordPressTerm.Taxonomy.TAG, query["tag"].split(",")[0])
        return tag.get_absolute_url() if tag else None
    month = _MONTH.match(query.get("m", ""))
    if month:
        year, number = month.groups()
        if number and 1 <= int(number) <= 12:
            return reverse("blog:archive-month", kwargs={"year": int(year), "month": int(number)})
        return reverse("blog:archive-year", kwargs={"year": int(year)})
    if "feed" in query:
        return reverse("blog:feed")
    return None


def _term(taxonomy, slug):
    slug = unquote(slug).strip("/")
    mapping = WordPressTerm.objects.filter(taxonomy=taxonomy, slug=slug).first()
    if mapping is not None:
        return mapping.category if taxonomy == WordPressTerm.Taxonomy.CATEGORY else mapping.tag
    Model = Category if taxonomy == WordPressTerm.Taxonomy.CATEGORY else Tag
    return Model.objects.filter(slug=slug).first()


def for_path(path):
    """The new address for an old path that 404s here, or None."""
    uploads = _UPLOADS.match(path)
    if uploads:
        relative = uploads.group(1)
        for candidate in dict.fromkeys([relative, original_of(relative)]):
            found = WordPressFile.objects.filter(path=candidate).first()
            if found:
                return found.get_absolute_url()
        return None
    variants = {path, path.rstrip("/"), path.rstrip("/") + "/"}
    mapping = (
        WordPressPost.objects.filter(old_path__in=variants)
        .select_related("flatpage")
        .order_by("-imported_at", "-pk")
        .first()
    )
    if mapping is not None:
        return _post_target(mapping)
    attachment = (
        WordPressAttachment.objects.filter(old_path__in=variants, file__isnull=False)
        .select_related("file")
        .first()
    )
    if attachment is not None:
        return attachment.get_absolute_url()
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] in {"category", "tag"}:
        taxonomy = (
            WordPressTerm.Taxonomy.CATEGORY
            if parts[0] == "category"
            else WordPressTerm.Taxonomy.TAG
        )
        # WordPress nests category addresses: /category/parent/child/.
        term = _term(taxonomy, parts[-1]) or _term(taxonomy, "/".join(parts[1:]))
        target = term.get_absolute_url() if term else None
        return target if target and target != path else None
    return None
