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

import hashlib

from django.conf import settings
from django.db import connection
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from blog import fragments

from . import editing, profiles
from .models import DigestComment
from .session import OWN_COMMENTS

TEMPLATE = "comments/_comment.html"
# The kind a digest's whole shared thread is kept under (blog.fragments.drawn), read with
# the digest page's other drawings (apps.py).
THREAD = "thread"
# The templates and modules a stored piece comes from: a change to any makes a new version.
SOURCES = (
    TEMPLATE, "comments/_avatar.html",
    "comments.avatars", "comments.editing", "comments.profiles", __name__,
)  # fmt: skip


class Entry:
    """A comment as a thread needs it when its piece is stored: read as a row, not a model."""

    FIELDS = (
        "pk", "parent_id", "level", "state", "html", "html_key", "user_id", "user_name",
        "user_email", "user__first_name", "user__last_name", "user__username",
    )  # fmt: skip
    __slots__ = (*(f.replace("user__", "account_") for f in FIELDS), "account_avatar", "model")

    def __init__(self, row):
        for name, value in zip(self.__slots__, row, strict=False):
            setattr(self, name, value)
        self.account_avatar, self.model = "", None

    @property
    def name(self):
        """As django_comments' Comment.name: the account's full name, else the name given,
        else the account's user name."""
        if self.user_id is not None:
            full = f"{self.account_first_name} {self.account_last_name}".strip()
            if full:
                return full
            if not self.user_name:
                return self.account_username
        return self.user_name


def entries(comments):
    """The thread's comments (a DigestComment queryset in thread order) as Entry rows,
    with their authors' avatars (comments.profiles)."""
    found = [Entry(row) for row in comments.values_list(*Entry.FIELDS)]
    profiles.attach_avatars(found)
    return found


def piece_key(entry, may_reply):
    """What a stored piece must have been drawn from, besides the comment's own row (every
    save or update of the row clears its key: DigestComment.save, DigestCommentQuerySet)."""
    gravatar = entry.user_email if settings.COMMENTS_GRAVATAR else ""
    parts = (
        fragments.sources_version(SOURCES), settings.TIME_ZONE, translation.get_language(),
        may_reply, entry.name, entry.account_avatar, gravatar,
    )  # fmt: skip
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _may_be_personal(reader, entry):
    if entry.state not in (DigestComment.State.PUBLIC, DigestComment.State.REMOVED):
        return True  # pending: only its author sees it
    if entry.user_id is not None:
        return reader.user.is_authenticated and reader.user.pk == entry.user_id
    return str(entry.pk) in reader.session.get(OWN_COMMENTS, {})


def is_personal(request, comment):
    """Whether this reader sees the comment differently from everyone else."""
    if comment.state not in (DigestComment.State.PUBLIC, DigestComment.State.REMOVED):
        return True
    return editing.minutes_left(request, comment) > 0


def assemble(steps, listing):
    """The thread's <li>s from flatten()'s steps over entries(): stored pieces, and the
    comments of listing["reader"] (None: a reader with none here) drawn for them alone.
    Pieces drawn anew are stored (one more query)."""
    reader, is_open, max_level = listing["reader"], listing["is_open"], listing["max_level"]
    keys, needed = {}, {}
    # A signed avatar address expires (a private bucket): such a piece is drawn every time.
    expiring = fragments.media_urls_expire()
    for step in steps:
        entry = step["comment"]
        if entry is None:
            continue
        kept = not (expiring and entry.account_avatar)
        keys[entry.pk] = piece_key(entry, is_open and entry.level < max_level) if kept else ""
        stale = not keys[entry.pk] or entry.html_key != keys[entry.pk] or not entry.html
        if stale or (reader is not None and _may_be_personal(reader, entry)):
            needed[entry.pk] = entry
    _load_models(needed)
    template = get_template(TEMPLATE)
    shared = {"is_open": is_open, "max_level": max_level}
    out, drawn = [], []
    for number, step in enumerate(steps, 1):
        entry = step["comment"]
        if entry is None:  # a reply's parent that is not shown (held, spam)
            out.append(template.render({"comment": None, "number": number}))
        elif entry.model is None:
            out.append(entry.html)
        elif reader is not None and is_personal(reader, entry.model):
            out.append(template.render({**shared, "comment": entry.model, "request": reader}))
        else:
            if not keys[entry.pk] or entry.html_key != keys[entry.pk] or not entry.html:
                entry.html = template.render({**shared, "comment": entry.model})
                entry.html_key = keys[entry.pk]
                if entry.html_key:
                    drawn.append(entry)
            out.append(entry.html)
        if step["opens"]:
            if step["folded"]:
                out.append(_folded(step["folded"]))
            out.append('\n  <ol class="comment-list comment-list--children">')
        else:
            out.append("</li>")
        for folded in step["closes"]:
            out.append("</ol></details></li>" if folded else "</ol></li>")
    store(drawn)
    return "".join(out)


def _load_models(needed):
    """The comments to draw, as models (one query, whatever their number)."""
    if not needed:
        return
    for comment in DigestComment.objects.filter(pk__in=list(needed)).select_related("user"):
        entry = needed[comment.pk]
        comment.account_avatar = entry.account_avatar
        entry.model = comment


def store(entries):
    """Keep freshly drawn pieces, in one statement run for each (one query); no signal is
    sent, as nothing a reader sees changed."""
    rows = [(entry.html, entry.html_key, entry.pk) for entry in entries]
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = DigestComment._meta
    # Names from the model, quoted; every value a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('html')} = %s, {quote('html_key')} = %s "  # noqa: S608
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _folded(count):
    summary = ngettext("%(count)d more reply", "%(count)d more replies", count) % {"count": count}
    return f'\n  <details class="comment-replies"><summary>{escape(summary)}</summary>'
