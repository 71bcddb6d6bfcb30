import json

from django import template
from django.utils.safestring import mark_safe

from .. import article, cards, chrome, text

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


@register.simple_tag(takes_context=True)
def listed_cards(context, page):
    """The cards of a page of a list, drawn whole (blog.cards): {% listed_cards page_obj %}."""
    return cards.listed(context.get("request"), page)


@register.simple_tag(takes_context=True)
def with_cards(context, digests):
    """The digests, each with its card (digest.card) drawn once per version for everyone
    (blog.cards): {% with_cards digest_list as digests %}{{ digests.0.card }}."""
    return cards.with_cards(context.get("request"), digests)


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
