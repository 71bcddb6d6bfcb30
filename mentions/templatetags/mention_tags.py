from django import template

from .. import shown

register = template.Library()


@register.inclusion_tag("mentions/_list.html")
def mentions_list(digest):
    """The digest's public mentions (not replies: those are comments), oldest first."""
    return {"mentions": shown.public(digest.pk)}
