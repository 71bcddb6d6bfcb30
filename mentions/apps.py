from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MentionsConfig(AppConfig):
    """Webmentions received (verified, moderated, shown) and sent (on publish)."""

    name = "mentions"
    verbose_name = _("Webmentions")

    def ready(self):
        from blog.models import Digest

        from .models import Mention
        from .shown import mention_changed
        from .tasks import digest_saved

        post_save.connect(digest_saved, sender=Digest, dispatch_uid="mentions.digest_saved")
        # Every change to a mention, whatever makes it (the receiver, the admin, a digest
        # deleted): its digest's list is read afresh.
        post_save.connect(mention_changed, sender=Mention, dispatch_uid="mentions.saved")
        post_delete.connect(mention_changed, sender=Mention, dispatch_uid="mentions.deleted")
