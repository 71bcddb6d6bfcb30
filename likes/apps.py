from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LikesConfig(AppConfig):
    """Readers like digests: one like per reader, taken back by a second click."""

    name = "likes"
    verbose_name = _("Likes")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Like
        from .summary import like_changed

        # Every like and unlike, whatever makes it (a reader, the admin, a deleted account).
        post_save.connect(like_changed, sender=Like, dispatch_uid="likes.saved")
        post_delete.connect(like_changed, sender=Like, dispatch_uid="likes.deleted")
