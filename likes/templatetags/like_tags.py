from django import template

from blog.templatetags.placed_messages import placed

from .. import summary
from ..views import PLACE, box_context, liked

register = template.Library()


@register.inclusion_tag("likes/_box.html", takes_context=True)
def like_box(context, digest):
    """The Like button and "N people like this", if likes are on for the digest.

    A guest's own like is shown only in the page that answers their click (a page with a
    message is never cached); other pages may be served to every guest from the page cache,
    and site.js asks likes:like for it. A signed-in reader's pages are theirs alone.
    """
    request = context["request"]
    if not summary.enabled(digest):
        return {"off": True}
    own = request.user.is_authenticated or placed(context.get("messages", ()), PLACE)
    is_liked = bool(own) and liked(digest, request)
    return {
        **box_context(digest, request, is_liked, summary.summary(digest.pk)),
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages", ()),
    }
