from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FediverseConfig(AppConfig):
    """The blog as an ActivityPub actor: followers, replies and likes from the fediverse,
    and each digest delivered to its followers' inboxes."""

    name = "fediverse"
    verbose_name = _("Fediverse")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from blog.models import Digest
        from comments.models import DigestComment

        from . import publishing
        from .models import RemoteActor

        post_save.connect(publishing.digest_saved, sender=Digest, dispatch_uid="fediverse.saved")
        post_delete.connect(
            publishing.digest_deleted, sender=Digest, dispatch_uid="fediverse.deleted"
        )
        post_save.connect(
            publishing.comment_saved, sender=DigestComment, dispatch_uid="fediverse.comment"
        )
        # A remote author's avatar shows in the threads they replied in.
        post_save.connect(actor_saved, sender=RemoteActor, dispatch_uid="fediverse.actor")


def actor_saved(sender, instance, created, **kwargs):
    from comments.tally import authors_changed

    if not created:
        authors_changed(comment_ids=instance.notes.values_list("comment_id", flat=True))
