"""The link inbox: links saved for the next digest, described once when saved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from blog import images
from blog.models import Digest, MediaItem


class SavedLinkQuerySet(models.QuerySet):
    def waiting(self):
        """Links not yet made into an item: the inbox."""
        return self.filter(digest__isnull=True)


class SavedLink(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("Not fetched yet")
        READY = "ready", _("Filled in")
        FAILED = "failed", _("Could not be fetched")

    url = models.URLField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=MediaItem.Kind.choices, default=MediaItem.Kind.LINK
    )
    poster = images.SafeImageField(
        _("poster"), upload_to="inbox/%Y/%m/", blank=True,
        width_field="poster_width", height_field="poster_height",
    )  # fmt: skip
    poster_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    poster_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    problem = models.CharField(_("problem"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="saved_links", verbose_name=_("saved by"),
    )  # fmt: skip
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("used in"),
    )  # fmt: skip

    objects = SavedLinkQuerySet.as_manager()

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("saved link")
        verbose_name_plural = _("saved links")

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        if self._state.adding and not self.position:
            last = SavedLink.objects.aggregate(models.Max("position"))["position__max"]
            self.position = (last or 0) + 1
        images.normalise_upload(self.poster)  # upright, no EXIF, sRGB, as item images
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.url
