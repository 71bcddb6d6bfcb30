from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Readers who sign in with another site's account (django-allauth) to comment."""

    name = "accounts"
    # allauth's own app is "Accounts" in the admin too: one section each, told apart.
    verbose_name = _("Reader profiles")

    def ready(self):
        from . import checks, signals  # noqa: F401  (checks registers itself)

        signals.connect()
        share_rate_limits()


def share_rate_limits():
    """django-allauth counts its rate limits in the default cache, which without Redis is
    each worker's own memory; it has no setting for another, so it is handed the shared
    counters (settings.COUNTER_CACHE_ALIAS) that the comment limits use."""
    from allauth.core.internal import ratelimit
    from django.conf import settings
    from django.core.cache import caches
    from django.utils.connection import ConnectionProxy

    ratelimit.cache = ConnectionProxy(caches, settings.COUNTER_CACHE_ALIAS)
