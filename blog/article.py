"""A digest's page around what readers add to it, the same for every reader: its head
(description, links, Open Graph and JSON-LD), its body (header, intro, contents and
items), its tags and the links to the digests before and after it. Drawn together once
per version and kept (blog.fragments.drawn): a page reads the four in one query and needs
neither the digest's items, links, categories and tags nor its neighbours, which are read
only to draw them again.

The version: the digest's own columns, its author's name, the site's version (renewed
whenever an editor changes an item, link, category, tag or digest, and when a scheduled
one goes public: blog.siteversion), the address the page is served at and the blog's
title. A preview (a draft, a scheduled digest) is drawn for each request and kept nowhere.
"""

from types import SimpleNamespace

from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import fragments, siteversion
from .models import Digest, MediaItem, RelatedLink
from .querysets import NEVER_SHOWN

PARTS = {
    "head": "blog/_digest_head.html",
    "body": "blog/_digest_body.html",
    "tags": "blog/_digest_tags.html",
    "nav": "blog/_digest_nav.html",
}
ITEM = "blog/_media_item.html"
# What an item is drawn with, besides its data.
ITEM_SOURCES = (
    ITEM, "blog/_image.html", "blog.embeds", "blog.renditions",
    "blog.templatetags.blog_images", "blog.templatetags.blog_tags", __name__,
)  # fmt: skip
# What the parts are drawn with besides the digest: its items are drawn into the body.
SOURCES = (*PARTS.values(), *ITEM_SOURCES, "blog.templatetags.blog_seo", "blog.models")
# Columns of the digest no part shows (a comment changes the last two; the search text is
# never read for a page: querysets.NEVER_SHOWN).
LEAVES_OUT = (*NEVER_SHOWN, "comments_version", "comment_count")


KIND = "digest"
# Other apps' drawings of one digest that its page shows, by kind: read with its parts.
_shown_with = set()


def show_with(kind):
    """A digest's page also shows its drawing of this kind (comments: the thread)."""
    _shown_with.add(kind)


def expect(request, digest):
    """The page will show this digest's parts: read with its first drawing."""
    fragments.expect(request, KIND, [f"{digest.pk}:{name}" for name in PARTS])
    for kind in _shown_with:
        fragments.expect(request, kind, [digest.pk])


def part(context, name):
    """The HTML of one part ({% digest_part "body" %}), the four drawn at the first one."""
    request, digest = context.get("request"), context["digest"]
    if context.get("preview") or request is None:
        return _draw(context, name)
    if getattr(request, "_digest_parts", (None,))[0] != digest.pk:
        version = _version(context, request, digest)
        pieces = [SimpleNamespace(pk=f"{digest.pk}:{name}", name=name) for name in PARTS]
        drawn = fragments.drawn(
            KIND, pieces, lambda _: version, lambda piece: _draw(context, piece.name),
            SOURCES, request,
        )  # fmt: skip
        request._digest_parts = (digest.pk, {piece.name: drawn[piece.pk] for piece in pieces})
    return request._digest_parts[1][name]


def _version(context, request, digest):
    author = digest.author
    name = (author.get_username(), author.get_full_name()) if author else None
    return (
        siteversion.current(request),
        fragments.fields_of(digest, leaving_out=LEAVES_OUT),
        name,
        request.build_absolute_uri("/"),
        context.get("blog_title"),
    )


def _draw(context, name):
    digest = context["digest"]
    if name == "nav":
        extra = dict(zip(("previous_digest", "next_digest"), neighbours(digest), strict=True))
    else:
        read_for_drawing(digest)
        extra = {}
    with context.push(extra):
        return context.template.engine.get_template(PARTS[name]).render(context)


def read_for_drawing(digest):
    """Read what the parts show of a digest's items, links, categories and tags, once."""
    if "media_items" in getattr(digest, "_prefetched_objects_cache", {}):
        return
    links = RelatedLink.objects.order_by("position", "id")
    items = MediaItem.objects.prefetch_related(Prefetch("links", queryset=links))
    prefetch_related_objects(
        [digest], Prefetch("media_items", queryset=items), "categories", "tags"
    )


def neighbours(digest):
    """The published digests just before and after this one (None where there is none)."""
    if not (digest.published_at and digest.is_public):
        return None, None
    published = Digest.objects.published().only("title", "slug", "published_at")
    at = digest.published_at
    return (
        published.filter(published_at__lt=at).order_by("-published_at").first(),
        published.filter(published_at__gt=at).order_by("published_at").first(),
    )


def with_drawings(items):
    """The items, numbered, each with its HTML (item.drawing) drawn once per version."""
    items = list(items)
    for number, item in enumerate(items, 1):
        item.number = number
    drawings = fragments.drawn("item", items, _item_version, _draw_item, sources=ITEM_SOURCES)
    for item in items:
        item.drawing = mark_safe(drawings[item.pk])  # noqa: S308 (our template's output)
    return items


def _item_version(item):
    """What an item on its digest's page is drawn from: its number, fields and links."""
    links = [fragments.fields_of(link) for link in item.links.all()]
    return (item.number, fragments.fields_of(item), links)


def _draw_item(item):
    return render_to_string(ITEM, {"item": item, "number": item.number})
