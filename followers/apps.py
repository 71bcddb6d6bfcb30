from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowersConfig(AppConfig):
    """Readers who follow the blog by email: each new digest is mailed to them once."""

    name = "followers"
    verbose_name = _("Followers")

    def ready(self):
        from django.db.models.signals import post_save

        from blog.models import Digest

        from .tasks import digest_saved

        post_save.connect(digest_saved, sender=Digest, dispatch_uid="followers.digest_saved")
