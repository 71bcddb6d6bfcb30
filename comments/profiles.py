"""What another app may tell the comments about signed-in commenters, through a setting.

comments/ knows accounts only through the User relation: COMMENTS_USER_PROFILES names a
callable (e.g. "accounts.profiles.for_users") that takes user ids and returns
{user id: {"url": profile link, "avatar": avatar address}}. Without it, signed-in
commenters get no link and the usual initials.

COMMENTS_AUTHOR_AVATARS, likewise, names a callable that takes comment ids and returns
{comment id: avatar address} for comments without an account or an address (written
elsewhere, e.g. on the fediverse) whose author's avatar the site has stored.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def for_users(user_ids):
    """Profiles of these users, in one call (one query) whatever their number."""
    ids = {pk for pk in user_ids if pk}
    path = getattr(settings, "COMMENTS_USER_PROFILES", "")
    if not ids or not path:
        return {}
    return import_string(path)(ids)


def profile_url(user):
    """The signed-in commenter's profile link, stored with their comment."""
    return for_users([user.pk]).get(user.pk, {}).get("url", "")


def attach_avatars(comments):
    """Give each comment by a signed-in reader their account's avatar (comment.account_avatar)."""
    found = for_users(comment.user_id for comment in comments)
    for comment in comments:
        comment.account_avatar = found.get(comment.user_id, {}).get("avatar", "")
    path = getattr(settings, "COMMENTS_AUTHOR_AVATARS", "")
    # Written elsewhere: no account and no address (every guest here gives one).
    guests = [comment for comment in comments if not comment.user_id and not comment.user_email]
    if path and guests:
        avatars = import_string(path)([comment.pk for comment in guests])
        for comment in guests:
            comment.account_avatar = avatars.get(comment.pk, "")
