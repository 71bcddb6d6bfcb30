"""Comment avatars: initials made here by default, Gravatar only when the site turns it on.

By default the page makes no request to another site and carries nothing derived from
the commenter's email address. With COMMENTS_GRAVATAR the address is hashed here, in
Python, and only that hash goes into the page (Gravatar's documented SHA-256 form).
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings

from blog.text import first_grapheme

GRAVATAR_URL = "https://www.gravatar.com/avatar/"
HUES = 12  # .avatar--0 ... .avatar--11 in site.css


def initials(name):
    """Up to two capital letters from the first and last word, or "?"."""
    words = [w for w in (name or "").split() if w[:1].isalnum()]
    if not words:
        return "?"
    # Whole graphemes: a letter keeps its accent (a Devanagari letter its vowel sign).
    letters = first_grapheme(words[0]) + (first_grapheme(words[-1]) if len(words) > 1 else "")
    return letters.upper()


def hue(name):
    """One of HUES colour classes, the same for the same name on every page."""
    digest = hashlib.sha256((name or "").strip().casefold().encode()).digest()
    return digest[0] % HUES


def gravatar_url(email, size=80):
    """Gravatar's address for an email, with generated identicons for unknown ones."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"{GRAVATAR_URL}{digest}?{urlencode({'s': size, 'd': 'identicon'})}"


def for_comment(comment):
    """What templates/comments/_avatar.html needs for one comment."""
    context = {"initials": initials(comment.name), "hue": hue(comment.name), "src": ""}
    # A signed-in commenter's own avatar, stored by the site (comments.profiles).
    if account_avatar := getattr(comment, "account_avatar", ""):
        context["src"] = account_avatar
        return context
    # user_email is stored for signed-in readers too, so no query for the account.
    if settings.COMMENTS_GRAVATAR and comment.user_email:
        context["src"] = gravatar_url(comment.user_email)
    return context
