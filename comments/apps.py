from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommentsConfig(AppConfig):
    """Threaded comments on digests, on top of django-comments-xtd 2.10."""

    name = "comments"

    def ready(self):
        from django.db.models.signals import post_delete, pre_save
        from django_comments_xtd.models import publish_or_unpublish_on_pre_save

        from blog.models import Digest

        from .models import DigestComment

        # No xtd moderator is registered: comments.moderation decides (see its docstring).
        post_migrate.connect(sync_site, sender=self)
        post_migrate.connect(create_cache_tables, sender=self)
        # xtd flips is_public on every reply below a comment whose visibility changes;
        # our `state` decides each comment's visibility, so that cascade is switched off.
        pre_save.disconnect(publish_or_unpublish_on_pre_save, sender=DigestComment._meta.label)
        post_delete.connect(delete_comments_of_digest, sender=Digest)


def delete_comments_of_digest(sender, instance, using, **kwargs):
    """A deleted digest takes its comments with it (they hang on it by a generic key)."""
    from .models import DigestComment

    DigestComment.objects.using(using).for_digest(instance).delete()


def sync_site(using="default", **kwargs):
    """Keep the Sites row (used in feeds, sitemaps and mails) at DJANGO_SITE_DOMAIN."""
    from django.conf import settings
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": settings.SITE_DOMAIN, "name": settings.BLOG_TITLE},
    )
    Site.objects.clear_cache()


def create_cache_tables(using="default", **kwargs):
    """The database table of the shared counters (flood and rate limits) when they live
    in the database: made by every `migrate`, so no setup step is ever forgotten."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
