"""A reader's name, avatar and profile link, taken from their sign-in identity.

Filled on every sign-in (accounts.signals). The avatar is downloaded here, checked like
an upload, made into a small square PNG and stored in media: pages never load it from
the provider. ``for_users`` is what the comments app calls (COMMENTS_USER_PROFILES).
"""

import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction

from blog import avatars

from .models import Profile

logger = logging.getLogger(__name__)

NAME_KEYS = ("name", "display_name", "displayName", "preferred_username", "login", "username")
AVATAR_KEYS = ("picture", "avatar_url", "avatar_URL")
PROFILE_KEYS = ("profile", "profile_URL", "html_url", "link", "website")
_web_address = URLValidator(schemes=["http", "https"])


def _text(data, keys):
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _web_url(value):
    """value if it is an http(s) address (never javascript: or data:), else ""."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        _web_address(value)
    except ValidationError:
        return ""
    return value


def identity(account):
    """(display name, avatar address, profile address) of a connected SocialAccount."""
    provider_account = account.get_provider_account()
    data = provider_account.get_user_data() or {}
    name = _text(data, NAME_KEYS) or account.user.get_username()
    avatar = _web_url(provider_account.get_avatar_url() or _text(data, AVATAR_KEYS))
    profile = _web_url(provider_account.get_profile_url() or _text(data, PROFILE_KEYS))
    return name, avatar, profile


def fetch_avatar(url):
    """The image at url as a square PNG of ACCOUNTS_AVATAR_SIZE pixels."""
    return avatars.fetch_square_png(
        url, size=settings.ACCOUNTS_AVATAR_SIZE, max_bytes=settings.ACCOUNTS_AVATAR_MAX_BYTES
    )


def update_from_account(account):
    """Fill the account owner's profile (and, for a provider-only account, their name).

    Nothing is saved unless something changed: the page cache (caching/) watches users
    and profiles, and a sign-in with the same identity must not make every page stale.
    """
    user = account.user
    name, avatar_url, profile_url = identity(account)
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    stored_before = _stored(profile)
    profile.display_name = name[:150]
    profile.profile_url = profile_url[:500]
    profile.provider = account.provider
    names_before = (user.first_name, user.last_name)
    if not user.has_usable_password():
        # Readers who signed up with the provider go by the name it gives; editors keep
        # the name they have in the admin.
        first, _, last = name.partition(" ")
        user.first_name, user.last_name = first[:150], last.strip()[:150]
    if avatar_url != profile.avatar_source:
        _replace_avatar(profile, avatar_url)  # fetched before the transaction: no lock held
    save_user = (user.first_name, user.last_name) != names_before
    save_profile = profile.pk is None or _stored(profile) != stored_before
    if save_user or save_profile:
        with transaction.atomic():  # one change for the page cache, however many rows
            if save_user:
                user.save(update_fields=["first_name", "last_name"])
            if save_profile:
                profile.save()
    return profile


def _stored(profile):
    return (
        profile.display_name,
        profile.profile_url,
        profile.provider,
        profile.avatar.name,
        profile.avatar_source,
    )


def _replace_avatar(profile, url):
    old = profile.avatar.name if profile.avatar else ""
    if not url:
        profile.avatar, profile.avatar_source = "", ""
    elif settings.ACCOUNTS_FETCH_AVATARS:
        try:
            png = fetch_avatar(url)
        except avatars.AvatarError as exc:
            # Keep what we had; the next sign-in tries again.
            logger.warning("avatar for user %s not stored: %s", profile.user_id, exc)
            return
        name = f"{profile.user_id}-{secrets.token_hex(4)}.png"
        profile.avatar.save(name, ContentFile(png), save=False)
        profile.avatar_source = url
    else:
        return
    if old and old != profile.avatar.name:
        profile.avatar.storage.delete(old)


def for_users(user_ids):
    """{user id: {"url": profile link, "avatar": avatar address}} for the users that have one."""
    found = Profile.objects.filter(user_id__in=list(user_ids)).only(
        "user_id", "avatar", "profile_url"
    )
    return {
        profile.user_id: {
            "url": profile.profile_url,
            "avatar": profile.avatar.url if profile.avatar else "",
        }
        for profile in found
    }
