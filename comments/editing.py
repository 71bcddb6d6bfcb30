"""Authors change or remove their own comment for a short while after sending it.

Who the author is: a signed-in reader owns the comments made with their account; a guest
owns the comments session.remember_own() listed in their session, with the submit time as a
check. The session is kept on the server behind a signed, HttpOnly cookie, so the Edit and
Delete links work only in the browser the comment was written in; a signed token in the
link itself would be a key that works wherever the address ends up (synced history, a
pasted link, a shared screen).

The rules are here; the pages are comments.views.editing, the changes comments.actions.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import DigestComment
from .session import OWN_COMMENTS

# A comment deleted by its author but kept because it has replies (see actions.remove()).
DELETED = Q(state=DigestComment.State.REMOVED)


def is_deleted(comment):
    return comment.state == DigestComment.State.REMOVED


def is_author(request, comment):
    """Whether this browser (or account) wrote the comment."""
    if comment.user_id is not None:
        return request.user.is_authenticated and request.user.pk == comment.user_id
    own = request.session.get(OWN_COMMENTS, {})
    # The stored submit time must match too, so an id never stands for another comment.
    return own.get(str(comment.pk)) == int(comment.submit_date.timestamp())


def seconds_left(comment):
    """Seconds until the comment can no longer be changed (0 when the time is up)."""
    end = comment.submit_date + timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)
    return max(0.0, (end - timezone.now()).total_seconds())


def minutes_left(request, comment):
    """Whole minutes (rounded up) this reader may still change the comment; 0 for others."""
    if comment.state == DigestComment.State.SPAM or is_deleted(comment):
        return 0
    if not is_author(request, comment):
        return 0
    return math.ceil(seconds_left(comment) / 60)


def forget(request, pk):
    """Drop a comment from the session's own list, e.g. once it is deleted."""
    own = request.session.get(OWN_COMMENTS, {})
    if own.pop(str(pk), None) is not None:
        request.session[OWN_COMMENTS] = own
