"""Each comment's HTML rendered once per version, stored with it, and threads assembled
from those pieces by joining strings.

What is stored (DigestComment.html) is what every reader sees of a comment: author,
avatar, date, body, permalink and reply link. It carries a key (DigestComment.html_key),
a hash of everything the piece is made from: the comment's own fields, its author's
name and avatar, whether it may be answered, the active language, and the version of
the templates and code that draw it (their contents, read once per process). A piece
whose key no longer matches is drawn again and stored, by whichever node reads it first,
so an edit, a moderation, a renamed account, a new avatar or a changed template shows
at once everywhere, with no invalidation to send.

What belongs to one reader is never stored: a comment they may still edit (Edit and
Delete links, the minutes left) and their own pending comments ("awaiting moderation")
are drawn for that request only, in their place in the thread.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.db.models import Case, CharField, QuerySet, TextField, Value, When
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from . import avatars, editing
from .models import DigestComment

TEMPLATE = "comments/_comment.html"
# The templates and modules a stored piece comes from: a change to any makes a new version.
SOURCES = (TEMPLATE, "comments/_avatar.html")
MODULES = (avatars, editing)
WRITE_BATCH = 500


@functools.cache
def template_version():
    """A hash of what draws a comment, computed once per process."""
    version = hashlib.blake2b(digest_size=8)
    for name in SOURCES:
        version.update(Path(get_template(name).origin.name).read_bytes())
    for module in (*MODULES, __import__(__name__, fromlist=["_"])):
        version.update(Path(module.__file__).read_bytes())
    version.update(settings.TIME_ZONE.encode())
    return version.hexdigest()


def piece_key(comment, may_reply):
    """What the stored piece of this comment must have been drawn from to be used."""
    avatar = getattr(comment, "account_avatar", "")
    gravatar = comment.user_email if settings.COMMENTS_GRAVATAR and not avatar else ""
    edited = comment.edited_at.isoformat() if comment.edited_at else ""
    parts = (
        template_version(), translation.get_language(), may_reply, comment.pk, comment.state,
        comment.name, comment.user_url, comment.submit_date.isoformat(), edited,
        comment.level, comment.comment_html, avatar, gravatar,
    )  # fmt: skip
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def is_personal(request, comment):
    """Whether this reader sees the comment differently from everyone else."""
    if comment.state not in (DigestComment.State.PUBLIC, DigestComment.State.REMOVED):
        return True  # pending: shown to its author alone
    return editing.minutes_left(request, comment) > 0


def assemble(steps, listing):
    """The thread's <li>s from flatten()'s steps: stored pieces, and the comments of
    listing["reader"] (None: a reader with none here) drawn for them; pieces drawn anew
    are stored (one query per WRITE_BATCH)."""
    reader, is_open, max_level = listing["reader"], listing["is_open"], listing["max_level"]
    template = get_template(TEMPLATE)
    shared = {"is_open": is_open, "max_level": max_level}
    out, drawn = [], {}
    for number, step in enumerate(steps, 1):
        comment = step["comment"]
        if comment is None:  # a reply's parent that is not shown (held, spam)
            out.append(template.render({"comment": None, "number": number}))
        elif reader is not None and is_personal(reader, comment):
            out.append(template.render({**shared, "comment": comment, "request": reader}))
        else:
            key = piece_key(comment, is_open and comment.level < max_level)
            if comment.html_key != key or not comment.html:
                comment.html = template.render({**shared, "comment": comment})
                comment.html_key = key
                drawn[comment.pk] = comment
            out.append(comment.html)
        if step["opens"]:
            if step["folded"]:
                out.append(_folded(step["folded"]))
            out.append('\n  <ol class="comment-list comment-list--children">')
        else:
            out.append("</li>")
        for folded in step["closes"]:
            out.append("</ol></details></li>" if folded else "</ol></li>")
    store(drawn.values())
    return "".join(out)


def store(comments):
    """Keep freshly drawn pieces; no signal is sent, as nothing a reader sees changed."""
    comments = list(comments)
    for start in range(0, len(comments), WRITE_BATCH):
        batch = comments[start : start + WRITE_BATCH]
        html = Case(*(When(pk=c.pk, then=Value(c.html)) for c in batch), output_field=TextField())
        key = Case(
            *(When(pk=c.pk, then=Value(c.html_key)) for c in batch), output_field=CharField()
        )
        rows = DigestComment.objects.filter(pk__in=[c.pk for c in batch])
        QuerySet.update(rows, html=html, html_key=key)  # not the queryset's: no signal


def _folded(count):
    summary = ngettext("%(count)d more reply", "%(count)d more replies", count) % {"count": count}
    return f'\n  <details class="comment-replies"><summary>{escape(summary)}</summary>'
