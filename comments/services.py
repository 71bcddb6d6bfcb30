"""A new comment: the one place a DigestComment is made, stored in its thread and announced.

The posting view, the WordPress importer, the load test and the tests' factory all come
through here; so do the confirmation view and the admin when a stored comment's new state
is to be told (announce).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.models import Digest
from blog.sanitize import render_comment_text

from . import abuse, moderation, notifications, verification
from .models import DigestComment
from .threading import save_new_comment


def build_comment(digest, **fields):
    """An unsaved comment on digest; comment_html is cleaned from comment unless given."""
    if "comment_html" not in fields:
        fields["comment_html"] = render_comment_text(fields.get("comment", ""))
    fields.setdefault("submit_date", timezone.now())
    return DigestComment(
        content_type=ContentType.objects.get_for_model(Digest),
        object_pk=str(digest.pk),
        site_id=settings.SITE_ID,
        **fields,
    )


def create_comment(digest, parent=None, *, deepest=None, **fields):
    """Build a comment and place it in its thread (below parent) under the thread's lock.

    Stored as given: no moderation, no mail (an import, a seed). ``deepest`` as in
    comments.threading.save_new_comment.
    """
    return save_new_comment(build_comment(digest, **fields), parent, deepest=deepest)


def post_comment(request, comment, parent):
    """A reader's new comment: decide its state, store it and announce it in one transaction.

    Raises threading.ParentGone, threading.ThreadTooDeep, or IntegrityError when the same
    comment (its fingerprint) is stored already.
    """
    verified = comment.user_id is not None or verification.is_verified(comment.user_email)
    comment.state, comment.moderation_reason = moderation.decide(comment)
    if verified:
        comment.verified_at = timezone.now()
    elif comment.state != DigestComment.State.SPAM:
        # Spam is never mailed about: no confirmation mail to an address we won't publish.
        comment.state = DigestComment.State.UNVERIFIED
    comment.fingerprint = abuse.fingerprint(comment)
    with transaction.atomic():
        save_new_comment(comment, parent)
        announce(comment, request)
    return comment


def announce(comment, request=None):
    """Tell whoever needs to know about a comment's state, now that it is stored: messages
    for the commenter (given their request), mails for everyone else after the commit."""
    State = DigestComment.State
    if comment.state == State.UNVERIFIED:
        if verification.request_confirmation(comment, request):
            messages.info(
                request,
                _(
                    "Almost done: we will send a link to %(email)s in a moment. "
                    "Your comment appears once you open it."
                )
                % {"email": comment.user_email},
            )
        else:
            messages.warning(
                request,
                _(
                    "We have already sent several confirmation mails to this address; "
                    "use the newest one. Your comment is kept until you confirm."
                ),
            )
    elif comment.state == State.HELD:
        if request is not None:
            messages.info(request, _("Your comment is awaiting moderation."))
        notifications.comment_held(comment)
    elif comment.state == State.PUBLIC:
        notifications.comment_published(comment)
    # Spam: said nothing to anyone; it waits in the admin's spam list.
