from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = _("Blog")

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import siteversion

        # Pillow's own bomb guard at our limit, also for files sorl-thumbnail opens later.
        Image.MAX_IMAGE_PIXELS = settings.BLOG_MAX_IMAGE_PIXELS
        post_migrate.connect(sync_site, sender=self)
        siteversion.connect()


def sync_site(using="default", **kwargs):
    """Keep the Sites row (used in feeds, sitemaps and mails) at DJANGO_SITE_DOMAIN."""
    from django.conf import settings
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": settings.SITE_DOMAIN, "name": settings.BLOG_TITLE},
    )
    Site.objects.clear_cache()
