from datetime import timedelta

from django import template
from django.conf import settings
from django.db.models import Q
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from blog import fragments
from blog.text import parse_id

from .. import avatars, editing, feeds, rendering, respond
from ..forms import DigestCommentForm
from ..models import DigestComment
from ..moderation import comments_open
from ..session import own_comment_ids, remembered_author
from ..threading import max_level

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


def flatten(tree, collapse=False):
    """The tree in reading order, for one flat loop instead of a recursive include:
    each step is a node, whether a list of its replies opens after it (and, with
    collapse, how many replies a folded <details> around that list holds), and which
    lists close after it (True for a folded one).

    Folded: the replies to replies, when the digest has so many comments (more than
    COMMENTS_COLLAPSE_AFTER) that the whole page would be slow to lay out. Every comment
    stays in the page, a click (or its permalink) away, with JavaScript or without.
    """
    steps, stack = [], [(iter(tree), False)]
    while stack:
        node = next(stack[-1][0], None)
        if node is None:
            _, folded = stack.pop()
            if stack:
                steps[-1]["closes"].append(folded)
            continue
        children = node["children"]
        folded = collapse and bool(children) and len(stack) > 1  # a reply's replies
        step = {"node": node, "comment": node["comment"], "opens": bool(children)}
        step.update(closes=[], folded=_descendants(node) if folded else 0)
        steps.append(step)
        if children:
            stack.append((iter(children), folded))
    return steps


def _descendants(node):
    return sum(1 + _descendants(child) for child in node["children"])


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, digest):
    """The comments under a digest: public ones, the reader's own pending ones, and the form.

    The list is the same for every reader who has nothing of their own in it (no pending
    comment, nothing they may still edit): for them it is drawn once and kept until
    anything in it changes (_shared_thread).
    """
    request = context["request"]
    own = own_comment_ids(request)
    is_open = comments_open(digest)
    listing = {"request": request, "digest": digest, "is_open": is_open, "own": own}
    listing["max_level"] = max_level()
    listing["reader"] = None

    def render_listing():
        State = DigestComment.State
        visible = Q(state__in=[State.PUBLIC, State.REMOVED]) | Q(
            pk__in=own, state__in=[State.HELD, State.UNVERIFIED]
        )
        comments = rendering.entries(DigestComment.objects.for_digest(digest).filter(visible))
        listing["tree"] = build_tree(comments)
        listing["count"] = sum(1 for c in comments if c.state == State.PUBLIC)
        collapse = listing["count"] > settings.COMMENTS_COLLAPSE_AFTER
        listing["steps"] = flatten(listing["tree"], collapse=collapse)
        listing["thread"] = mark_safe(rendering.assemble(listing["steps"], listing))  # noqa: S308
        return get_template("comments/_list.html").render(listing)

    if own or _may_edit_here(request, digest):
        listing["reader"] = request  # their own comments are drawn for them alone
        html = render_listing()
    elif "replytocom" in request.GET:
        html = render_listing()
    else:
        html = _shared_thread(request, digest, listing, render_listing)
    form = None
    if is_open:
        initial = {} if request.user.is_authenticated else remembered_author(request)
        form = DigestCommentForm(digest, initial=initial, user=request.user)
    section = {
        "request": request,
        "digest": digest,
        "listing": mark_safe(html),  # noqa: S308 (our template's output; comment text escaped)
        "tree": listing.get("tree"),
        "form": form,
        "is_open": is_open,
        "messages": context.get("messages", ()),  # the subscribe form shows its own
        "csrf_token": context.get("csrf_token"),
    }
    if is_open and respond.may_be_shared(request, form, section["messages"]):
        section["respond"] = mark_safe(respond.drawn(section))  # noqa: S308 (our templates')
    return section


# What the thread every reader shares is drawn with, besides each comment's own piece.
THREAD_SOURCES = ("comments/_list.html", *rendering.SOURCES, __name__)


def _shared_thread(request, digest, listing, render):
    """The count and thread that every reader with nothing of their own here sees: drawn
    once per version of the thread (Digest.comments_version, new with every change to
    it: comments.tally) and of what draws it, and kept (blog.fragments.drawn), so a page
    reads it whole instead of its comments one by one."""

    version = (
        digest.comments_version, listing["is_open"], listing["max_level"],
        settings.COMMENTS_GRAVATAR, settings.COMMENTS_COLLAPSE_AFTER,
    )  # fmt: skip
    return fragments.drawn_one(
        rendering.THREAD, digest.pk, version, render, THREAD_SOURCES, request
    )


def _may_edit_here(request, digest):
    """Whether a signed-in reader has a comment here they may still edit (Edit links)."""
    if not request.user.is_authenticated:
        return False
    since = timezone.now() - timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)
    mine = DigestComment.objects.for_digest(digest).filter(user_id=request.user.pk)
    return mine.filter(submit_date__gte=since).exists()


@register.simple_tag(takes_context=True)
def reply_target(context, tree):
    """The comment a no-JavaScript reader chose to reply to (?replytocom=ID), if it is shown."""
    wanted = parse_id(context["request"].GET.get("replytocom"))
    if wanted is None:
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
    """Minutes the reader may still edit or delete this comment: 0 unless they wrote it
    (and 0 in the piece every reader shares, drawn without a request)."""
    request = context.get("request")
    return 0 if request is None else editing.minutes_left(request, comment)


@register.filter
def is_deleted(comment):
    """A comment its author deleted, kept as a placeholder because it has replies."""
    return editing.is_deleted(comment)


@register.simple_tag
def comments_feed_url(digest):
    """The RSS feed of comments on a published digest."""
    return feeds.digest_feed_url(digest)
