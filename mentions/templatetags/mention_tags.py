from django import template

from ..models import Mention

register = template.Library()


@register.inclusion_tag("mentions/_list.html")
def mentions_list(digest):
    """The digest's public mentions (not replies: those are comments), oldest first."""
    mentions = Mention.objects.public().filter(digest=digest).order_by("received_at", "pk")
    return {"mentions": list(mentions)}
