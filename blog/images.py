"""Uploaded images: refuse what is not a safe raster image, then normalise it.

Checks run on the form field, before anything is written to storage, so a
refused upload leaves no file behind.
"""

import io
import os
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format -> file name extensions that may carry it.
ALLOWED_FORMATS = {
    "JPEG": {".jpg", ".jpeg", ".jpe"},
    "PNG": {".png"},
    "GIF": {".gif"},
    "WEBP": {".webp"},
}
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


def _human_pixels(count):
    return f"{count / 1_000_000:.0f} megapixels"


def inspect_image(upload):
    """Return (format, width, height) of an upload, or raise ValidationError with a clear message."""
    name = getattr(upload, "name", "") or ""
    extension = os.path.splitext(name)[1].lower()
    limit = settings.BLOG_MAX_IMAGE_PIXELS
    if extension == ".svg" or extension == ".svgz":
        raise ValidationError(
            "SVG images are not accepted: they can carry scripts. Upload a PNG, JPEG, GIF or WebP.",
            code="svg",
        )
    size = getattr(upload, "size", None)
    if size is not None and size > settings.BLOG_MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {size / 1048576:.1f} MB; the limit is "
            f"{settings.BLOG_MAX_UPLOAD_BYTES / 1048576:.0f} MB.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if b"<svg" in head.lower() or head.lstrip().startswith(b"<"):
        raise ValidationError(
            "This file is SVG or HTML, not a raster image. Upload a PNG, JPEG, GIF or WebP.",
            code="svg",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if width * height > limit:
                    raise ValidationError(
                        f"The image is {width}×{height} pixels, more than the limit of "
                        f"{_human_pixels(limit)}. Resize it and upload it again.",
                        code="too_many_pixels",
                    )
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(
                        f"{image_format} images are not accepted. Upload a PNG, JPEG, GIF or WebP.",
                        code="format",
                    )
                # verify() checks structure but not that the pixel data is all there; load() does.
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            f"The image has more pixels than the limit of {_human_pixels(limit)}. "
            "Resize it and upload it again.",
            code="too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            "This file is not an image that can be read. Upload a PNG, JPEG, GIF or WebP.",
            code="not_image",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The image is damaged or incomplete (the upload may have been cut off). "
            "Upload it again.",
            code="truncated",
        ) from exc
    finally:
        upload.seek(0)
    if extension not in ALLOWED_FORMATS[image_format]:
        expected = " or ".join(sorted(ALLOWED_FORMATS[image_format]))
        raise ValidationError(
            f"The file is named {extension or 'without an extension'} but holds a "
            f"{image_format} image. Rename it to {expected} and upload it again.",
            code="extension",
        )
    return image_format, width, height


class SafeImageFormField(forms.ImageField):
    """An image field whose errors say what is wrong with the file."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        inspect_image(data)
        return super().to_python(data)


class SafeImageField(models.ImageField):
    """An ImageField whose form field inspects the upload before it is stored."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SafeImageFormField, **kwargs})


def normalise_upload(field_file):
    """Apply EXIF orientation and drop all metadata (GPS included) from a new upload.

    Runs in the model's save() before the file is first written; stored files
    are left alone.
    """
    if not field_file or getattr(field_file, "_committed", True):
        return
    upload = field_file.file
    upload.seek(0)
    with Image.open(upload) as image:
        image_format = image.format
        is_animated = getattr(image, "is_animated", False)
        if is_animated:
            # Re-encoding would drop frames; GIF and WebP animations carry no EXIF position anyway.
            upload.seek(0)
            return
        transposed = ImageOps.exif_transpose(image)
        clean = Image.new(transposed.mode, transposed.size)
        clean.paste(transposed)
        if "transparency" in transposed.info and image_format in {"PNG", "GIF"}:
            clean.info["transparency"] = transposed.info["transparency"]
        if transposed.mode == "P":
            clean.putpalette(transposed.getpalette())
        out = io.BytesIO()
        options = {"format": image_format}
        if image_format == "JPEG":
            options.update(quality=90, optimize=True)
            if clean.mode not in {"RGB", "L", "CMYK"}:
                clean = clean.convert("RGB")
        clean.save(out, **options)
    field_file.save(field_file.name, ContentFile(out.getvalue()), save=False)
