import json

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .. import article, chrome, fragments, siteversion, text
from ..models import Category, Digest, MediaItem
from ..querysets import related_rows

register = template.Library()

# As json_script does: nothing in the data can close the <script> element.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def shorten(value, limit):
    """Like truncatechars, but never cuts a grapheme cluster (an emoji, an accented letter)."""
    return text.shorten(str(value), int(limit))


@register.filter
def ld_json(value):
    """Serialise a dict for <script type="application/ld+json">; <, > and & are escaped."""
    return mark_safe(json.dumps(value, ensure_ascii=False).translate(JSON_ESCAPES))  # noqa: S308


@register.simple_tag(takes_context=True)
def absolute_uri(context, location=""):
    """An absolute address for link previews, feeds and canonical links."""
    return context["request"].build_absolute_uri(location)


@register.simple_tag(takes_context=True)
def archive_nav(context):
    """Months with published digests, and the categories in use, for the sidebar (blog.chrome)."""
    return mark_safe(chrome.parts(context.get("request"))["nav"])  # noqa: S308 (our template's output)


@register.simple_tag(takes_context=True)
def site_menu(context):
    """The header's links to the pages an editor chose (MenuLink), as blog.chrome draws them."""
    return mark_safe(chrome.parts(context.get("request"))["menu"])  # noqa: S308 (our template's output)


@register.simple_tag
def oembed_links(permalink):
    """{"json": ..., "xml": ...}: the oEmbed discovery addresses of a digest's permalink."""
    from ..oembed import discovery

    return discovery(permalink)


CARD = "blog/_digest_card.html"


@register.simple_tag(takes_context=True)
def with_cards(context, digests):
    """The digests, each with its card (digest.card) drawn once per version for everyone
    (blog.fragments.drawn): {% with_cards digest_list as digests %}{{ digests.0.card }}.

    A card's version is its digest's columns and the site's version (blog.siteversion:
    renewed whenever an item, a category or a digest is saved), so a list reads no more
    than its digests. The few cards drawn again are drawn from what they show of their
    categories and items, read as rows: two queries for the whole list, no model made."""
    digests = list(digests)
    site = siteversion.current(context.get("request"))
    shown = {}

    def draw(digest):
        if not shown:
            shown.update(_card_rows(digests))
        return _draw_card(digest, shown[digest.pk])

    cards = fragments.drawn(
        "card", digests, lambda digest: _card_version(site, digest), draw, (CARD,)
    )
    for digest in digests:
        digest.card = mark_safe(cards[digest.pk])  # noqa: S308 (our template's output)
    return digests


# What a card never shows of its digest: kept out of its version, so that changing them
# (a comment elsewhere in the thread, a reindex) draws nothing again.
CARD_LEAVES_OUT = ("search_text", "comments_version")


def _card_rows(digests):
    """{digest pk: {"categories": [(pk, name, slug)], "items": [(pk, title)]}}, in the order
    the card lists them (categories by name, items by position)."""
    pks = [digest.pk for digest in digests]
    if not pks:
        return {}
    categories = related_rows(pks, Digest.categories, "id", "name", "slug")
    shown = {pk: {"categories": categories[pk], "items": []} for pk in pks}
    items = MediaItem.objects.filter(digest_id__in=pks).order_by("position", "id")
    for digest_pk, *item in items.values_list("digest_id", "id", "title"):
        shown[digest_pk]["items"].append(tuple(item))
    return shown


def _card_version(site, digest):
    return (site, fragments.fields_of(digest, leaving_out=CARD_LEAVES_OUT))


def _draw_card(digest, shown):
    categories = [Category(pk=pk, name=name, slug=slug) for pk, name, slug in shown["categories"]]
    items = [MediaItem(pk=pk, title=title) for pk, title in shown["items"]]
    return render_to_string(CARD, {"digest": digest, "categories": categories, "items": items})


@register.filter
def with_drawings(items):
    """A digest's items, numbered, each with its HTML (item.drawing) drawn once per version
    for everyone (blog.fragments.drawn): {% with items=digest.media_items.all|with_drawings %}."""
    return article.with_drawings(items)


@register.simple_tag(takes_context=True)
def digest_part(context, name):
    """A part of a digest's page, drawn once for everyone (blog.article):
    {% digest_part "body" %}."""
    return mark_safe(article.part(context, name))  # noqa: S308 (our templates' output)
