"""Moderation rules: which comments are public, held for a moderator, or spam; and whether a
digest takes comments at all. Rules only: they decide and change nothing (the changes are
comments.actions).

Ours rather than django-comments-xtd's moderator (SpamModerator): that one listens for
comment_will_be_posted, which only xtd's own posting view sends, and no route leads there."""

import re

from django.conf import settings
from django.utils import timezone

from .models import DigestComment, VerifiedEmail

LINK = re.compile(r"<a\s", re.I)
SPACE = r"\s+"


def comments_open(digest):
    """Whether readers may comment on this digest now."""
    if not digest.allow_comments or not digest.is_public:
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    return not days or (timezone.now() - digest.published_at).days < days


def _words_in(text, words):
    """The listed words (or phrases) that occur in text as whole words, ignoring case.

    Whole words, so a moderation word "ass" holds "Ass!" but not "class" or "passage";
    a phrase matches however much space is between its words.
    """
    lowered = text.casefold()
    found = []
    for word in words:
        parts = word.casefold().split()
        phrase = SPACE.join(map(re.escape, parts))
        if parts and re.search(rf"(?<!\w){phrase}(?!\w)", lowered):
            found.append(word.strip())
    return found


def decide(comment):
    """(state, reason) for a comment whose author's address is confirmed."""
    if comment.user_id and comment.user.is_staff:
        # Editors are trusted, as WordPress trusts moderators: an editor quoting a
        # listed word must not land in the spam list unseen.
        return DigestComment.State.PUBLIC, ""
    # Like WordPress's lists: the text, the name, the addresses and the IP.
    fields = (
        comment.comment, comment.user_name, comment.user_email, comment.user_url,
        comment.ip_address,
    )  # fmt: skip
    text = " ".join(field or "" for field in fields)
    if found := _words_in(text, settings.COMMENTS_DISALLOWED_WORDS):
        return DigestComment.State.SPAM, f"disallowed word: {found[0]}"
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
