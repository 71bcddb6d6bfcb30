from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommentsConfig(AppConfig):
    """Threaded comments on digests, on top of django-comments-xtd 2.10."""

    name = "comments"

    def ready(self):
        from django_comments_xtd.moderation import moderator

        from blog.models import Digest

        from .moderation import DigestModerator

        moderator.register(Digest, DigestModerator)
        post_migrate.connect(sync_site, sender=self)


def sync_site(using="default", **kwargs):
    """Keep the Sites row (used in feeds, sitemaps and mails) at DJANGO_SITE_DOMAIN."""
    from django.conf import settings
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": settings.SITE_DOMAIN, "name": settings.BLOG_TITLE},
    )
    Site.objects.clear_cache()
