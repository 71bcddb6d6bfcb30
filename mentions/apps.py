from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class MentionsConfig(AppConfig):
    """Webmentions received (verified, moderated, shown) and sent (on publish)."""

    name = "mentions"
    verbose_name = _("Webmentions")

    def ready(self):
        from blog.models import Digest

        from .tasks import digest_saved

        post_save.connect(digest_saved, sender=Digest, dispatch_uid="mentions.digest_saved")
