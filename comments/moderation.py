"""Moderation rules: which new comments are public, held for a moderator, or spam."""

import re

from django.conf import settings
from django.utils import timezone
from django_comments_xtd.moderation import SpamModerator

from .models import DigestComment, VerifiedEmail

LINK = re.compile(r"<a\s", re.I)


class DigestModerator(SpamModerator):
    """Comments on digests: switched off per digest, closed after N days (setting)."""

    email_notification = False  # comments.notifications sends our own mails
    enable_field = "allow_comments"
    auto_close_field = "published_at"

    @property
    def close_after(self):
        return settings.COMMENTS_CLOSE_AFTER_DAYS or None


def comments_open(digest):
    """Whether readers may comment on this digest now."""
    if not digest.allow_comments or not digest.is_public:
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    return not days or (timezone.now() - digest.published_at).days < days


def _words_in(text, words):
    lowered = text.casefold()
    return [w for w in words if w and w.casefold() in lowered]


def decide(comment):
    """(state, reason) for a comment whose author's address is confirmed."""
    text = " ".join([comment.comment, comment.user_name, comment.user_email, comment.user_url])
    if found := _words_in(text, settings.COMMENTS_DISALLOWED_WORDS):
        return DigestComment.State.SPAM, f"disallowed word: {found[0]}"
    if comment.user_id and comment.user.is_staff:
        return DigestComment.State.PUBLIC, ""
    links = len(LINK.findall(comment.comment_html))
    if links > settings.COMMENTS_MAX_LINKS:
        return DigestComment.State.HELD, f"{links} links (more than {settings.COMMENTS_MAX_LINKS})"
    if found := _words_in(text, settings.COMMENTS_MODERATION_WORDS):
        return DigestComment.State.HELD, f"word on the moderation list: {found[0]}"
    if not is_known_author(comment):
        return DigestComment.State.HELD, "first comment from this address"
    return DigestComment.State.PUBLIC, ""


def is_known_author(comment):
    """Has this address (or account) had a comment approved before?"""
    if not settings.COMMENTS_HOLD_FIRST_COMMENT:
        return True
    if VerifiedEmail.objects.filter(email=comment.user_email, has_approved_comment=True).exists():
        return True
    earlier = DigestComment.objects.filter(state=DigestComment.State.PUBLIC)
    if comment.user_id:
        return earlier.filter(user_id=comment.user_id).exists()
    return earlier.filter(user_email=comment.user_email).exists()
