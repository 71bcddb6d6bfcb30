import json

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .. import fragments, text
from ..models import Category, Digest, MenuLink

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


@register.simple_tag
def archive_nav():
    """Months with published digests, and the categories in use, for the sidebar.

    The same on every page: rendered once and shared until something changes.
    """
    return fragments.shared("archive-nav", _render_archive_nav)


@register.simple_tag
def site_menu():
    """The header's links to the pages an editor chose (MenuLink), shared like the sidebar."""
    return fragments.shared("site-menu", _render_site_menu)


def _render_site_menu():
    links = MenuLink.objects.select_related("page").filter(page__registration_required=False)
    return render_to_string("blog/_site_menu.html", {"links": links})


def _render_archive_nav():
    published = Digest.objects.published()
    context = {
        "months": published.dates("published_at", "month", order="DESC")[:24],
        "categories": Category.objects.filter(digests__in=published).distinct(),
    }
    return render_to_string("blog/_archive_nav.html", context)


@register.simple_tag
def oembed_links(permalink):
    """{"json": ..., "xml": ...}: the oEmbed discovery addresses of a digest's permalink."""
    from ..oembed import discovery

    return discovery(permalink)
