"""Uploaded images: refuse what is not a safe raster image, normalise it, resize it.

Checks run on the form field, before anything is written to storage, so a
refused upload leaves no file behind. ``normalise_upload`` runs in the model's
``save()``: it applies the EXIF orientation and drops metadata (GPS included)
before the file is first stored. ``renditions`` gives the resized copies for a
srcset; ``warm_renditions`` makes them right after an upload so that the first
reader does not wait.
"""

import hashlib
import io
import logging
import os
import struct
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import ExifTags, Image, ImageOps, ImageSequence, UnidentifiedImageError
from sorl.thumbnail import get_thumbnail, source_cache

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
    """The image in ``data`` upright and without metadata, as bytes of the same format.

    JPEGs carrying metadata are re-encoded. PNG, GIF and WebP keep their pixel data
    byte for byte (and so their frames) and lose the chunks that are not needed to
    draw them, unless an EXIF orientation must be applied to a still image.
    """
    with _open(io.BytesIO(data)) as image:
        image_format = FORMAT_ALIASES.get(image.format, image.format)
        animated = image_format != "JPEG" and getattr(image, "is_animated", False)
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        if image_format == "JPEG":
            return data if _jpeg_is_clean(image) else _reencode(image, image_format)
        if orientation != 1 and not animated:
            return _reencode(image, image_format, lossless=_webp_is_lossless(data))
        try:
            return _STRIP[image_format](data)
        except (ValueError, IndexError, struct.error):
            # Pillow read it, the strict walkers below did not: fall back to the pixels.
            logger.warning("Re-encoding a %s image whose layout was unexpected", image_format)
            return _reencode(image, image_format, lossless=_webp_is_lossless(data))


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
        clean = frame.copy()
        # Only what is needed to draw the picture goes along: no EXIF, XMP or text.
        clean.info = {}
        if "transparency" in frame.info and image_format in {"PNG", "GIF"}:
            clean.info["transparency"] = frame.info["transparency"]
        if image_format == "JPEG" and clean.mode not in {"RGB", "L"}:
            if clean.mode == "CMYK":
                icc_profile = None  # a CMYK profile does not describe the converted pixels
            clean = clean.convert("RGB")
        elif image_format == "PNG" and clean.mode == "PA":
            clean = clean.convert("RGBA")
        clean_frames.append(clean)
    options = {"format": image_format}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if image_format == "JPEG":
        options.update(quality=90, optimize=True)
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
        if image_format == "GIF":
            options["disposal"] = 2  # frames are whole pictures: clear before drawing the next
    out = io.BytesIO()
    clean_frames[0].save(out, **options)
    return out.getvalue()


# PNG: keep the chunks that draw the picture (animation included); text, EXIF, time and
# private chunks are dropped.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _strip_png(data):
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    while True:
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length  # length, type, data, CRC
        if end > len(data):
            raise ValueError("PNG chunk runs past the end")
        if kind in _PNG_KEEP:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(kept)


# WebP: RIFF chunks; EXIF, XMP and unknown chunks are dropped and VP8X's flags updated.
_WEBP_KEEP = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF_AND_XMP = 0x08 | 0x04


def _webp_chunks(data):
    """(type, chunk with header and padding) for each top-level chunk of a WebP file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        end = position + 8 + size
        if end > len(data):
            raise ValueError("WebP chunk runs past the end")
        yield kind, data[position:end] + (b"\0" if size % 2 else b"")
        position = end + size % 2


def _webp_is_lossless(data):
    try:
        return any(kind == b"VP8L" for kind, _ in _webp_chunks(data))
    except (ValueError, struct.error):
        return False


def _strip_webp(data):
    kept = []
    for kind, chunk in _webp_chunks(data):
        if kind not in _WEBP_KEEP:
            continue
        if kind == b"VP8X":
            flags = chunk[8] & ~_VP8X_EXIF_AND_XMP
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        kept.append(chunk)
    body = b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


# GIF: comment extensions and application extensions other than looping (such as XMP) go.
_GIF_KEEP_APPLICATIONS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}
_GIF_GRAPHIC_CONTROL, _GIF_PLAIN_TEXT, _GIF_APPLICATION = 0xF9, 0x01, 0xFF


def _gif_color_table(packed):
    return 3 << ((packed & 7) + 1) if packed & 0x80 else 0


def _gif_skip_sub_blocks(data, position):
    """Position after the data sub-blocks starting at position (a zero size ends them)."""
    while True:
        size = data[position]
        position += 1 + size
        if size == 0:
            return position


def _strip_gif(data):
    if data[:6] not in {b"GIF87a", b"GIF89a"}:
        raise ValueError("not a GIF")
    position = 13 + _gif_color_table(data[10])  # header, screen descriptor, global colors
    kept = [data[:position]]
    while position < len(data) and data[position] != 0x3B:
        block = data[position]
        if block == 0x21:  # extension
            label = data[position + 1]
            end = _gif_skip_sub_blocks(data, position + 2)
            keep = label in {_GIF_GRAPHIC_CONTROL, _GIF_PLAIN_TEXT} or (
                label == _GIF_APPLICATION
                and data[position + 3 : position + 14] in _GIF_KEEP_APPLICATIONS
            )
        elif block == 0x2C:  # image: descriptor, local colors, LZW code size, data
            start = position + 10 + _gif_color_table(data[position + 9])
            end = _gif_skip_sub_blocks(data, start + 1)
            keep = True
        else:
            raise ValueError(f"unknown GIF block {block:#x}")
        if end > len(data):
            raise ValueError("GIF block runs past the end")
        if keep:
            kept.append(data[position:end])
        position = end
    kept.append(b";")
    return b"".join(kept)


_STRIP = {"PNG": _strip_png, "WEBP": _strip_webp, "GIF": _strip_gif}


# Responsive renditions -------------------------------------------------------


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int | None
    height: int | None


def renditions(field_file):
    """Resized copies for a srcset, narrowest first, then the original; never upscaled.

    Widths come from settings.BLOG_IMAGE_WIDTHS; only those narrower than the
    original are made. Sizes come from sorl-thumbnail's key-value store, so once
    the copies exist no file is opened, and after the first lookup no query is made.
    """
    if not field_file:
        return []
    width, height = _stored_size(field_file)
    copies = []
    if width and _can_resize(field_file):
        for target in sorted(set(settings.BLOG_IMAGE_WIDTHS)):
            if target >= width:
                break
            copy = _thumbnail(field_file, target)
            if copy is not None:
                copies.append(copy)
    return [*copies, Rendition(field_file.url, width, height)]


def warm_renditions(field_file):
    """Make the resized copies of a newly stored image now, so its first reader does not wait."""
    with source_cache():  # read the original once for all the widths
        renditions(field_file)


def _thumbnail(field_file, width):
    try:
        copy = get_thumbnail(field_file, str(width), upscale=False)
    except Exception:
        # A reader should get the original rather than an error page.
        logger.exception("Could not make a %spx copy of %s", width, field_file.name)
        return None
    if not copy.size:  # sorl could not read the original
        return None
    return Rendition(copy.url, copy.width, copy.height)


def _stored_size(field_file):
    """Width and height from the model's dimension fields, without opening the file."""
    field = field_file.field
    instance = field_file.instance
    if field.width_field and field.height_field:
        width = getattr(instance, field.width_field, None)
        height = getattr(instance, field.height_field, None)
        if width and height:
            return width, height
    try:
        return field_file.width, field_file.height
    except (OSError, ValueError, TypeError):
        logger.warning("Could not read the size of %s", field_file.name, exc_info=True)
        return None, None


def _can_resize(field_file):
    """sorl keeps a GIF's animation but would reduce an animated PNG or WebP to one frame."""
    if os.path.splitext(field_file.name)[1].lower() not in {".png", ".webp"}:
        return True
    digest = hashlib.sha256(field_file.name.encode()).hexdigest()
    key = f"blog.images.animated:{digest}"
    animated = cache.get(key)
    if animated is None:
        try:
            with field_file.storage.open(field_file.name) as stored, _open(stored) as image:
                animated = bool(getattr(image, "is_animated", False))
        except Exception:
            logger.warning("Could not open %s", field_file.name, exc_info=True)
            return False
        # A stored name always holds the same file: storage never overwrites.
        cache.set(key, animated, None)
    return not animated
