"""What happens to a stored comment: an editor approves, holds or marks it as spam; its
guest author confirms the address; its author edits or deletes it.

The rules these follow are comments.moderation's; the telling is comments.services.announce.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django_comments_xtd.models import XtdComment

from blog.sanitize import render_comment_text

from . import abuse, moderation, notifications, verification
from .models import DigestComment, VerifiedEmail
from .services import announce

State = DigestComment.State
# Stored in place of the text, in the site's language (the same words as the template's).
DELETED_TEXT = gettext_noop("This comment was deleted.")


# Editors


def move(comment, state):
    """Approve, hold or mark as spam: store an editor's new state; public is announced."""
    comment.state = state
    comment.save(update_fields=DigestComment.STATE_FIELDS)
    if state == State.PUBLIC:
        approved(comment)


def approved(comment):
    """An editor made this (saved) comment public: its address counts as approved, followers
    hear of it. The mails go out when the transaction commits."""
    if comment.user_email:
        VerifiedEmail.objects.update_or_create(
            email=comment.user_email, defaults={"has_approved_comment": True}
        )
    announce(comment)


# Guests


@transaction.atomic
def confirm(request, comment):
    """The guest opened the link in the confirmation mail: the address is theirs, so the
    comment is decided as any other, and announced."""
    comment.verified_at = timezone.now()
    comment.state, comment.moderation_reason = moderation.decide(comment)
    comment.save(update_fields=["verified_at", "moderation_reason", *DigestComment.STATE_FIELDS])
    verification.remember(comment.user_email)
    if comment.state == State.PUBLIC:
        VerifiedEmail.objects.filter(email=comment.user_email).update(has_approved_comment=True)
    announce(comment, request)


# Authors


@transaction.atomic
def save_text(comment, text):
    """Store new text; a public comment goes through the moderation rules again.

    Saved with update(), not save(): xtd's pre_save handler would rewrite the
    is_public flag of every reply below the comment.
    """
    comment.comment = text
    comment.comment_html = render_comment_text(text)
    comment.edited_at = timezone.now()
    comment.fingerprint = abuse.fingerprint(comment)
    if comment.state == State.PUBLIC:
        # Otherwise a comment approved as harmless could become spam afterwards.
        comment.state, comment.moderation_reason = moderation.decide(comment)
    DigestComment.objects.filter(pk=comment.pk).set_state(
        comment.state,
        comment=comment.comment,
        comment_html=comment.comment_html,
        edited_at=comment.edited_at,
        fingerprint=comment.fingerprint,
        moderation_reason=comment.moderation_reason,
    )
    if comment.state == State.HELD:
        notifications.comment_held(comment)


def placeholder_fields():
    """What a deleted comment kept for its replies holds: no name, no address, no words."""
    return {
        "comment": gettext(DELETED_TEXT),
        "comment_html": render_comment_text(gettext(DELETED_TEXT)),
        "user": None,
        "user_name": "",
        "user_email": "",
        "user_url": "",
        "ip_address": None,
        "fingerprint": None,
        "notify": DigestComment.Notify.NONE,
        "followup": False,
    }


@transaction.atomic
def remove(comment):
    """Delete the comment; with replies, keep the row as a nameless placeholder instead.

    Returns True if the row was deleted. The thread's root is locked as when a reply
    is placed, so no reply can arrive between the check and the delete.
    """
    thread = XtdComment.norel_objects.filter(thread_id=comment.thread_id)
    list(XtdComment.norel_objects.select_for_update().filter(pk=comment.thread_id).values("pk"))
    if thread.filter(parent_id=comment.pk).exclude(pk=comment.pk).exists():
        DigestComment.objects.filter(pk=comment.pk).set_state(State.REMOVED, **placeholder_fields())
        return False
    ancestors, node = [], {"pk": comment.pk, "parent_id": comment.parent_id}
    while node and node["parent_id"] != node["pk"]:
        ancestors.append(node["parent_id"])
        node = thread.filter(pk=node["parent_id"]).values("pk", "parent_id").first()
    thread.filter(pk__in=ancestors).update(nested_count=F("nested_count") - 1)
    comment.delete()
    return True
