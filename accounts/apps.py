from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Readers who sign in with another site's account (django-allauth) to comment."""

    name = "accounts"
    # allauth's own app is "Accounts" in the admin too: one section each, told apart.
    verbose_name = "Reader profiles"

    def ready(self):
        from . import checks, signals  # noqa: F401  (checks registers itself)

        signals.connect()
