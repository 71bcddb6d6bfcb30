from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WxrConfig(AppConfig):
    """WordPress in and out: WXR import and export, and the old blog's links."""

    name = "wxr"
    verbose_name = _("WordPress import")

    def ready(self):
        from django.contrib.flatpages.models import FlatPage
        from django.db.models.signals import pre_save

        pre_save.connect(clean_flatpage, sender=FlatPage, dispatch_uid="wxr.clean_flatpage")


def clean_flatpage(sender, instance, **kwargs):
    """Static pages are stored cleaned by the author allowlist, like every author text."""
    from blog.sanitize import clean_author_html

    instance.content = clean_author_html(instance.content or "")
