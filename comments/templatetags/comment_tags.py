from django import template
from django.db.models import Q

from .. import avatars, editing, feeds
from ..forms import DigestCommentForm
from ..models import DigestComment
from ..moderation import comments_open
from ..threading import max_level
from ..views import own_comment_ids, remembered_author

register = template.Library()


def build_tree(comments):
    """Nest comments (in thread order) as [{"comment": c, "children": [...]}, ...].

    A reply whose parent is not shown (held, spam) hangs under a placeholder for it,
    so it never looks like an answer to the digest itself.
    """
    roots, by_id = [], {}
    for comment in comments:
        node = {"comment": comment, "children": []}
        by_id[comment.pk] = node
        if comment.parent_id == comment.pk:
            roots.append(node)
            continue
        parent = by_id.get(comment.parent_id)
        if parent is None:
            parent = {"comment": None, "children": []}
            by_id[comment.parent_id] = parent
            roots.append(parent)
        parent["children"].append(node)
    return roots


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, digest):
    """The comments under a digest: public ones, the reader's own pending ones, and the form."""
    request = context["request"]
    own = own_comment_ids(request)
    State = DigestComment.State
    visible = Q(state__in=[State.PUBLIC, State.REMOVED]) | Q(
        pk__in=own, state__in=[State.HELD, State.UNVERIFIED]
    )
    comments = list(DigestComment.objects.for_digest(digest).filter(visible).select_related("user"))
    is_open = comments_open(digest)
    form = None
    if is_open:
        initial = {} if request.user.is_authenticated else remembered_author(request)
        form = DigestCommentForm(digest, initial=initial, user=request.user)
    return {
        "request": request,
        "digest": digest,
        "tree": build_tree(comments),
        "count": sum(1 for c in comments if c.state == DigestComment.State.PUBLIC),
        "form": form,
        "is_open": is_open,
        "max_level": max_level(),
        "own": own,
    }


@register.simple_tag(takes_context=True)
def reply_target(context, tree):
    """The comment a no-JavaScript reader chose to reply to (?replytocom=ID), if it is shown."""
    try:
        wanted = int(context["request"].GET.get("replytocom", ""))
    except ValueError:
        return None
    stack = list(tree)
    while stack:
        node = stack.pop()
        if node["comment"].pk == wanted and node["comment"].state == DigestComment.State.PUBLIC:
            return node["comment"]
        stack.extend(node["children"])
    return None


@register.inclusion_tag("comments/_avatar.html")
def avatar(comment):
    """Initials on a colour made from the name; a Gravatar only if COMMENTS_GRAVATAR is on."""
    return avatars.for_comment(comment)


@register.simple_tag(takes_context=True)
def edit_minutes_left(context, comment):
    """Minutes the reader may still edit or delete this comment: 0 unless they wrote it."""
    return editing.minutes_left(context["request"], comment)


@register.filter
def is_deleted(comment):
    """A comment its author deleted, kept as a placeholder because it has replies."""
    return editing.is_deleted(comment)


@register.simple_tag
def comments_feed_url(digest):
    """The RSS feed of comments on a published digest."""
    return feeds.digest_feed_url(digest)
