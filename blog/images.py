"""Uploaded images: refuse what is not a safe raster image, normalise it, resize it.

Checks run on the form field, before anything is written to storage, so a
refused upload leaves no file behind. ``normalise_upload`` runs in the model's
``save()``: it applies the EXIF orientation, drops metadata (GPS included) and
turns the pixels into what every browser draws alike (``web_pixels``: 8-bit sRGB)
before the file is first stored. The resized copies readers get are
blog.renditions.
"""

import io
import logging
import os
import struct
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import ExifTags, Image, ImageOps, ImageSequence, UnidentifiedImageError

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: CMYK is still converted, plainly
    ImageCms = None

from . import image_metadata

logger = logging.getLogger(__name__)

# Pillow format -> file name extensions that may carry it, the usual one first.
ALLOWED_FORMATS = {
    "JPEG": (".jpg", ".jpeg", ".jpe"),
    "PNG": (".png",),
    "GIF": (".gif",),
    "WEBP": (".webp",),
}
# A phone photo carrying a second picture (depth map, preview) opens as MPO; it is a JPEG.
FORMAT_ALIASES = {"MPO": "JPEG"}
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"
ACCEPTED = "JPEG, PNG, GIF or WebP"
# An animation's frames together may hold this many times the single-image pixel limit.
ANIMATION_PIXELS_FACTOR = 4

# The first bytes of the accepted formats; anything else is sniffed for markup.
_RASTER_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")


def _human_pixels(count):
    if count < 1_000_000:
        return f"{count:,} pixels"
    return f"{count / 1_000_000:.1f}".removesuffix(".0") + " megapixels"


def _human_bytes(count):
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def _open(fp):
    """Open with the accepted formats' decoders only: no other parser sees hostile input.

    An MPO file comes through the JPEG decoder, which hands it on. Pillow's warning
    for a large image is silenced: inspect_image refuses those with its own message.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(fp, formats=list(ALLOWED_FORMATS))


def _looks_like_markup(head):
    if head.startswith(_RASTER_MAGIC):
        return False
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith(b"<") or b"<svg" in text


def inspect_image(upload):
    """Return (format, width, height) of an upload, or raise a ValidationError that says why."""
    name = getattr(upload, "name", "") or ""
    extension = os.path.splitext(name)[1].lower()
    limit = settings.BLOG_MAX_IMAGE_PIXELS
    if extension in {".svg", ".svgz"}:
        raise ValidationError(
            f"SVG images are not accepted: they can carry scripts. Upload a {ACCEPTED} image.",
            code="svg",
        )
    size = getattr(upload, "size", None)
    if size is not None and size > settings.BLOG_MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {_human_bytes(size)}; the limit is "
            f"{_human_bytes(settings.BLOG_MAX_UPLOAD_BYTES)}. Make it smaller and upload it again.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if _looks_like_markup(head):
        raise ValidationError(
            f"This file is SVG or HTML, not a photo or picture. Upload a {ACCEPTED} image.",
            code="svg",
        )
    try:
        with _open(upload) as image:
            image_format = FORMAT_ALIASES.get(image.format, image.format)
            width, height = image.size
            # Pillow only warns between its limit and twice that; this limit is ours and lower.
            if width * height > limit:
                raise ValidationError(
                    f"The image is {width}×{height} pixels ({_human_pixels(width * height)}); "
                    f"the limit is {_human_pixels(limit)}. Resize it and upload it again.",
                    code="too_many_pixels",
                )
            if image_format == "JPEG" or not getattr(image, "is_animated", False):
                # verify() checks the structure, not that all the pixel data is there; load() does.
                image.load()
            else:
                frames = image.n_frames
                if frames * width * height > limit * ANIMATION_PIXELS_FACTOR:
                    raise ValidationError(
                        f"The animation has {frames} frames of {width}×{height} pixels; "
                        f"together they may hold {_human_pixels(limit * ANIMATION_PIXELS_FACTOR)}. "
                        "Shorten or shrink it and upload it again.",
                        code="too_many_pixels",
                    )
                for frame in ImageSequence.Iterator(image):
                    frame.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            f"The image has far more pixels than the limit of {_human_pixels(limit)}. "
            "Resize it and upload it again.",
            code="too_many_pixels",
        ) from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            f"This file is not a {ACCEPTED} image. Upload one of those.",
            code="not_image",
        ) from exc
    except Exception as exc:
        # Decoders raise many kinds of errors on damaged or hostile data.
        raise ValidationError(
            "The image is damaged or incomplete (the upload may have been cut off). "
            "Upload it again.",
            code="truncated",
        ) from exc
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image_format} images are not accepted. Upload a {ACCEPTED} image.", code="format"
        )
    if extension not in ALLOWED_FORMATS[image_format]:
        named = f"named {extension}" if extension else "named without an extension"
        raise ValidationError(
            f"The file is {named} but holds a {image_format} image. Rename it to "
            f"{ALLOWED_FORMATS[image_format][0]} and upload it again.",
            code="extension",
        )
    return image_format, width, height


def extension_of(data):
    """The usual extension for fetched image bytes, so inspect_image accepts their name."""
    for magic, extension in ((b"\x89PNG", ".png"), (b"RIFF", ".webp"), (b"GIF8", ".gif")):
        if data.startswith(magic):
            return extension
    return ".jpg"


class SafeImageFormField(forms.ImageField):
    """An image field whose errors say what is wrong with the file."""

    def widget_attrs(self, widget):
        # Also for widgets passed in, such as the admin's, which the default "image/*" would reach.
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPT
        return attrs

    def to_python(self, data):
        # FileField's checks first: no name, empty file, name too long.
        if forms.FileField.to_python(self, data) is None:
            return None
        inspect_image(data)
        return super().to_python(data)


class SafeImageField(models.ImageField):
    """An ImageField whose form field inspects the upload before it is stored."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SafeImageFormField, **kwargs})


# Pixels every browser draws alike ----------------------------------------------

# 8 bits a channel, nothing to convert (given no ICC profile other than sRGB).
WEB_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}
_SIXTEEN_BIT = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
_SRGB = ImageCms.createProfile("sRGB") if ImageCms else None


def web_pixels(image):
    """The picture as 8-bit sRGB pixels without an ICC profile; the image itself if it is.

    The one place where modes are converted (uploads, renditions, admin thumbnails,
    avatars). 16-bit grey is scaled to 8 bits: Pillow's plain convert clips it to white.
    A non-sRGB ICC profile (CMYK, Adobe RGB, a grey gamma…) is applied with LittleCMS;
    without one, CMYK is converted plainly.
    """
    profile = _foreign_profile(image)
    if image.mode in WEB_MODES and profile is None:
        return image
    info = {key: value for key, value in image.info.items() if key != "icc_profile"}
    if image.mode in _SIXTEEN_BIT:
        # Scaled in 32-bit mode I, then 0-255 fits L: a plain convert would clip it to white.
        image = image.convert("I").point(lambda value: value / 257 + 0.5).convert("L")
        info.pop("transparency", None)  # a 16-bit value, which no longer names a grey
    elif "transparency" in info or image.mode in {"P", "PA", "LA", "La", "RGBa"}:
        image = image.convert("RGBA")
        info.pop("transparency", None)
    elif image.mode not in {"L", "RGB", "CMYK"}:
        image = image.convert("RGB")
    if profile is not None:
        image = _to_srgb(image, profile)
    elif image.mode == "CMYK":
        image = image.convert("RGB")
    image.info = info
    return image


def is_web_ready(image):
    """Whether web_pixels would leave the image as it is."""
    return image.mode in WEB_MODES and _foreign_profile(image) is None


def _foreign_profile(image):
    """The image's ICC profile if it is readable and not sRGB (LittleCMS needed), else None."""
    data = image.info.get("icc_profile")
    if not data or ImageCms is None:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
        description = ImageCms.getProfileDescription(profile)
    except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
        return None  # browsers ignore an unreadable profile too, and draw sRGB
    return None if "srgb" in description.lower() else profile


def _to_srgb(image, profile):
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        return ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        logger.warning("Could not apply an ICC profile (%s); converted plainly", image.mode)
        return image.convert(mode)


# Normalising a new upload ----------------------------------------------------


def normalise_upload(field_file):
    """Apply EXIF orientation and drop all metadata (GPS included) from a new upload.

    Runs in the model's save() before the file is first written and stores the
    cleaned file; stored files are left alone. Returns True if a new image was
    stored, so the caller knows to warm its renditions.
    """
    if not field_file or getattr(field_file, "_committed", True):
        return False
    upload = field_file.file
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    field_file.save(field_file.name, ContentFile(clean_image_bytes(data)), save=False)
    return True


def clean_image_bytes(data):
    """The image in ``data`` upright, in web_pixels and without metadata, in the same format.

    JPEGs carrying metadata, and every PNG and GIF, are re-encoded: Pillow writes those
    two losslessly, animations included. A WebP keeps its pixel data byte for byte (a
    lossy one would lose quality and grow if re-encoded; tools/image_cleaning.py measures
    it) unless an EXIF orientation must be applied to a still image or the pixels must be
    converted (16-bit, CMYK, a non-sRGB profile).
    """
    with _open(io.BytesIO(data)) as image:
        image_format = FORMAT_ALIASES.get(image.format, image.format)
        if image_format == "JPEG":
            ready = is_web_ready(image) and _jpeg_is_clean(image)
            return data if ready else _reencode(image, image_format)
        if image_format != "WEBP":
            return _reencode(image, image_format)
        lossless = image_metadata.webp_is_lossless(data)
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) != 1
        if (turned and not getattr(image, "is_animated", False)) or not is_web_ready(image):
            return _reencode(image, image_format, lossless=lossless)
        try:
            return image_metadata.strip_webp(data)
        except (ValueError, IndexError, struct.error):
            # Pillow read it, the strict walker did not: fall back to the pixels.
            logger.warning("Re-encoding a WebP image whose layout was unexpected")
            return _reencode(image, image_format, lossless=lossless)


# APP0 JFIF, APP2 ICC profile and APP14 Adobe say how to draw a JPEG; anything else is dropped.
_JPEG_DRAWING_SEGMENTS = {"APP0": b"JFIF\0", "APP2": b"ICC_PROFILE\0", "APP14": b"Adobe"}


def _jpeg_is_clean(image):
    """A plain JPEG with nothing but drawing information: stored as it is, not recompressed."""
    return image.format == "JPEG" and all(
        marker in _JPEG_DRAWING_SEGMENTS and content.startswith(_JPEG_DRAWING_SEGMENTS[marker])
        for marker, content in image.applist
    )


def _reencode(image, image_format, *, lossless=False):
    """Pixels only: orientation applied, metadata dropped, every frame of an animation kept."""
    icc_profile = image.info.get("icc_profile")
    if image_format != "JPEG" and getattr(image, "is_animated", False):
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    else:
        frames = [ImageOps.exif_transpose(image)]
    durations = [frame.info.get("duration", 100) for frame in frames]
    clean_frames = []
    for frame in frames:
        clean = web_pixels(frame)
        if clean is frame:
            clean = frame.copy()
        else:
            icc_profile = None  # the pixels are sRGB now, which needs no profile
        # Only what is needed to draw the picture goes along: no EXIF, XMP or text.
        transparency = clean.info.get("transparency")
        clean.info = {}
        if transparency is not None and image_format in {"PNG", "GIF"}:
            clean.info["transparency"] = transparency
        if image_format == "JPEG" and clean.mode not in {"RGB", "L"}:
            clean = clean.convert("RGB")
        clean_frames.append(clean)
    options = {"format": image_format}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if image_format in {"JPEG", "PNG"}:
        options["optimize"] = True  # PNG: as small as the editor's own file (measured)
    if image_format == "JPEG":
        options["quality"] = 90
    elif image_format == "WEBP" and lossless:
        options["lossless"] = True
    elif image_format == "WEBP":
        options["quality"] = 90
    if len(clean_frames) > 1:
        options.update(
            save_all=True,
            append_images=clean_frames[1:],
            duration=durations,
            loop=image.info.get("loop", 0),
        )
        if image_format == "GIF" and any(
            "A" in frame.mode or "transparency" in frame.info for frame in clean_frames
        ):
            # Frames are whole pictures: a transparent one must clear the last before it is
            # drawn. Opaque ones need not, and Pillow then stores only what changed (a third
            # of the size).
            options["disposal"] = 2
    out = io.BytesIO()
    clean_frames[0].save(out, **options)
    return out.getvalue()


# Responsive renditions -------------------------------------------------------
