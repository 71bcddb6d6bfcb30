"""What every reader sees of a digest's likes: how many, and the faces of signed-in likers.

A digest's page and the JSON that site.js asks for on every page view take it from the
counters cache every worker and node shares (settings.COUNTER_CACHE_ALIAS), until the
next like or unlike of that digest: a like invalidates one small entry, never a page.
"""

from django.conf import settings
from django.db.models import Count, F, Window
from django.utils.formats import number_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mailer import limits

from .models import Like

FACES = 12  # the newest signed-in likers shown by face
SECONDS = 600


def key(digest_id):
    return f"likes:summary:{digest_id}"


def enabled(digest):
    return settings.LIKES_ENABLED and digest.allow_likes


def summary(digest_id):
    """{"count": n, "faces": [{"name", "avatar"}]} for one digest, from the cache if kept."""
    return limits.kept(key(digest_id), SECONDS, lambda: compute(digest_id))


def compute(digest_id):
    """One query (and one for avatars when signed-in readers like it): the newest likes,
    signed-in ones first, each row carrying the total."""
    newest = list(
        Like.objects.filter(digest_id=digest_id)
        .select_related("user")
        .annotate(total=Window(Count("pk")))
        .order_by(F("user").asc(nulls_last=True), "-created_at")[:FACES]
    )
    signed_in = [like for like in newest if like.user_id]
    avatars = profiles({like.user_id for like in signed_in})
    faces = [
        {
            "name": like.user.get_full_name() or like.user.get_username(),
            "avatar": avatars.get(like.user_id, {}).get("avatar", ""),
        }
        for like in signed_in
    ]
    return {"count": newest[0].total if newest else 0, "faces": faces}


def profiles(user_ids):
    """The accounts app's avatars, through the setting comments use (no import of it here)."""
    path = getattr(settings, "COMMENTS_USER_PROFILES", "")
    return import_string(path)(user_ids) if path and user_ids else {}


def like_changed(sender, instance, **kwargs):
    """A like or unlike: the next reader gets a fresh summary (and again once it commits,
    so a reader in between can't keep the old one)."""
    limits.forget(key(instance.digest_id))


def label(count):
    if not count:
        return _("Be the first to like this.")
    text = ngettext("%(count)s person likes this.", "%(count)s people like this.", count)
    return text % {"count": number_format(count, force_grouping=True)}
