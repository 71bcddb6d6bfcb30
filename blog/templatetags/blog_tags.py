import json

from django import template
from django.utils.safestring import mark_safe

from ..models import Category, Digest

register = template.Library()

# As json_script does: nothing in the data can close the <script> element.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(value):
    """Serialise a dict for <script type="application/ld+json">; <, > and & are escaped."""
    return mark_safe(json.dumps(value, ensure_ascii=False).translate(JSON_ESCAPES))  # noqa: S308


@register.simple_tag(takes_context=True)
def absolute_uri(context, location=""):
    """An absolute address for link previews, feeds and canonical links."""
    return context["request"].build_absolute_uri(location)


@register.inclusion_tag("blog/_archive_nav.html")
def archive_nav():
    """Months with published digests, and the categories in use, for the sidebar."""
    return {
        "months": Digest.objects.published().dates("published_at", "month", order="DESC")[:24],
        "categories": Category.objects.filter(digests__in=Digest.objects.published()).distinct(),
    }
