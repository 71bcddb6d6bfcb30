"""Keep profiles in step with sign-ins, connections and deletions."""

import logging

from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)


def connect():
    from allauth.account.signals import user_logged_in
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.signals import social_account_added, social_account_removed

    from blog import siteversion

    from .models import Profile

    user_logged_in.connect(signed_in, dispatch_uid="accounts.signed_in")
    social_account_added.connect(account_added, dispatch_uid="accounts.account_added")
    social_account_removed.connect(account_removed, dispatch_uid="accounts.account_removed")
    post_delete.connect(delete_avatar_file, sender=Profile, dispatch_uid="accounts.avatar_file")
    # The profile's avatar and link show in the threads the reader commented in.
    for signal in (post_save, post_delete):
        signal.connect(profile_changed, sender=Profile, dispatch_uid="accounts.profile_changed")
    # The sign-in providers offered are kept per site version (adapters.list_apps).
    for signal in (post_save, post_delete):
        signal.connect(siteversion.changed, sender=SocialApp, dispatch_uid="accounts.app")
    m2m_changed.connect(
        siteversion.m2m_changed, sender=SocialApp.sites.through, dispatch_uid="accounts.app.sites"
    )


def profile_changed(sender, instance, **kwargs):
    from comments.tally import authors_changed

    authors_changed(user_ids=[instance.user_id])


def _update(account):
    from .profiles import update_from_account

    try:
        update_from_account(account)
    except Exception:
        # A profile that can't be refreshed must never stop the reader from signing in.
        logger.exception("profile of user %s not updated", account.user_id)


def signed_in(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is not None:
        _update(sociallogin.account)


def account_added(sender, request, sociallogin, **kwargs):
    _update(sociallogin.account)


def account_removed(sender, request, socialaccount, **kwargs):
    """The profile came from the account just disconnected: take it from another one."""
    from .models import Profile

    profile = Profile.objects.filter(user_id=socialaccount.user_id).first()
    if profile is None or profile.provider != socialaccount.provider:
        return
    other = socialaccount.user.socialaccount_set.order_by("-last_login").first()
    if other is not None:
        _update(other)


def delete_avatar_file(sender, instance, **kwargs):
    if instance.avatar:
        instance.avatar.storage.delete(instance.avatar.name)
