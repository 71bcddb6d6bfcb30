"""The media library: every image uploaded in the admin, stored once, to be picked again.

An image is known by the SHA-256 of the bytes the editor uploaded. The same bytes uploaded
again (for another item, or by autosave) reuse the stored file instead of storing a copy;
items then share the file's name, and files are never deleted with an item.
"""

import hashlib
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from . import images


def fingerprint(upload):
    """SHA-256 (hex) of an uploaded file's bytes; the file is left at its start."""
    sha = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1 << 16), b""):
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


class LibraryImage(models.Model):
    file = models.ImageField(
        _("file"), upload_to="items/%Y/%m/", max_length=200,
        width_field="width", height_field="height",
    )  # fmt: skip
    sha256 = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, help_text=_("The uploaded file's name."))
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("library image")
        verbose_name_plural = _("media library")

    def __str__(self):
        size = f" ({self.width}×{self.height})" if self.width else ""
        return f"{self.name}{size}"

    def get_absolute_url(self):
        return self.file.url


def find(sha256):
    """The library image with these bytes whose file is still stored, or None."""
    found = LibraryImage.objects.filter(sha256=sha256).first()
    if found is not None and not found.file.storage.exists(found.file.name):
        found.delete()  # its file went (a restore without media): store the upload anew
        return None
    return found


def remember(sha256, stored_name, original_name, user=None):
    """Record a file an item has just stored; returns the library image."""
    try:
        with transaction.atomic():
            return LibraryImage.objects.create(
                sha256=sha256, file=stored_name, name=original_name[:200], uploaded_by=user
            )
    except IntegrityError:  # stored at the same moment by another request
        return LibraryImage.objects.get(sha256=sha256)


def store(upload, user=None):
    """Check an upload as any image upload (blog.images), then store it once: the library
    image holding these bytes. Raises ValidationError for a refused file."""
    images.inspect_image(upload)
    sha256 = fingerprint(upload)
    if found := find(sha256):
        return found
    name = os.path.basename(upload.name or "image")
    data = images.clean_image_bytes(upload.read())
    upload.seek(0)
    field = LibraryImage._meta.get_field("file")
    stored = field.storage.save(field.generate_filename(None, name), ContentFile(data))
    return remember(sha256, stored, name, user)
