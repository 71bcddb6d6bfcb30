from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComposerConfig(AppConfig):
    """Composing digests from links: paste a link to get an item, and the week's inbox."""

    name = "composer"
    verbose_name = _("Composer")
    default_auto_field = "django.db.models.BigAutoField"
