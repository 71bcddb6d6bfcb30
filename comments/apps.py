from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    """Threaded comments on digests, on top of django-comments-xtd 2.10."""

    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_save
        from django_comments_xtd.models import publish_or_unpublish_on_pre_save

        from blog import article
        from blog.models import Digest

        from . import rendering, tally
        from .models import DigestComment
        from .signals import comments_updated

        # No xtd moderator is registered: comments.moderation decides (see its docstring).
        post_migrate.connect(create_cache_tables, sender=self)
        # xtd flips is_public on every reply below a comment whose visibility changes;
        # our `state` decides each comment's visibility, so that cascade is switched off.
        pre_save.disconnect(publish_or_unpublish_on_pre_save, sender=DigestComment._meta.label)
        post_delete.connect(delete_comments_of_digest, sender=Digest)
        # A digest's comment count and thread version (comments.tally).
        for signal in (post_save, post_delete):
            signal.connect(tally.comment_saved, sender=DigestComment, dispatch_uid="tally.c")
        comments_updated.connect(tally.comments_updated, sender=DigestComment, dispatch_uid="tally")
        post_save.connect(tally.digest_saved, sender=Digest, dispatch_uid="tally.digest")
        post_save.connect(tally.user_saved, sender=get_user_model(), dispatch_uid="tally.user")
        # A digest's page reads its shared thread's drawing with its own parts.
        article.show_with(rendering.THREAD)


def delete_comments_of_digest(sender, instance, using, **kwargs):
    """A deleted digest takes its comments with it (they hang on it by a generic key)."""
    from .models import DigestComment

    DigestComment.objects.using(using).for_digest(instance).delete()


def create_cache_tables(using="default", **kwargs):
    """The database table of the shared counters (flood and rate limits) when they live
    in the database: made by every `migrate`, so no setup step is ever forgotten."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
