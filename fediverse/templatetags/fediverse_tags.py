from django import template
from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import ngettext

from .. import documents
from ..models import Reaction

register = template.Library()


@register.inclusion_tag("fediverse/_reactions.html")
def fediverse_reactions(digest):
    """Likes and boosts from the fediverse, next to the readers' likes (one query)."""
    if not settings.FEDIVERSE_ENABLED:
        return {}
    counts = Reaction.objects.filter(digest=digest).aggregate(
        likes=Count("pk", filter=Q(kind=Reaction.Kind.LIKE)),
        boosts=Count("pk", filter=Q(kind=Reaction.Kind.ANNOUNCE)),
    )
    parts = []
    if counts["likes"]:
        parts.append(
            ngettext("%(n)s like", "%(n)s likes", counts["likes"]) % {"n": counts["likes"]}
        )
    if counts["boosts"]:
        parts.append(
            ngettext("%(n)s boost", "%(n)s boosts", counts["boosts"]) % {"n": counts["boosts"]}
        )
    return {"parts": parts}


@register.inclusion_tag("fediverse/_meta.html")
def fediverse_meta(digest):
    """The digest's Article as an alternate, and the blog's handle for link previews
    (Mastodon's fediverse:creator)."""
    if not settings.FEDIVERSE_ENABLED:
        return {}
    return {"article": documents.article_id(digest.pk), "handle": documents.handle()}
