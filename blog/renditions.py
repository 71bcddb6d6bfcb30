"""Resized copies of an upload for srcset and <picture> (made by sorl-thumbnail).

``renditions`` gives the copies in the original's format for the <img>, ``webp_renditions``
the same widths in WebP for a <source>; ``warm_renditions`` makes them right after an
upload so that the first reader does not wait. ``ThumbnailEngine`` draws every copy from
8-bit sRGB pixels (blog.images.web_pixels).
"""

import hashlib
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from PIL import ImageOps
from sorl.thumbnail import get_thumbnail, source_cache
from sorl.thumbnail.engines.pil_engine import Engine as PillowEngine

from .images import _open, is_web_ready, web_pixels

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int | None
    height: int | None


def renditions(field_file):
    """Resized copies for a srcset, narrowest first, then the full size; never upscaled.

    Widths come from settings.BLOG_IMAGE_WIDTHS; only those narrower than the
    original are made. The full size is the original, or an sRGB copy of it at its
    own width if it was stored before uploads went through web_pixels. Sizes come
    from sorl-thumbnail's key-value store, so once the copies exist no file is
    opened, and after the first lookup no query is made.
    """
    if not field_file:
        return []
    width, height = _stored_size(field_file)
    full = Rendition(field_file.url, width, height)
    if not width:
        return [full]
    resizable, web_ready, _ = _stored_traits(field_file)
    copies = []
    for target in sorted(set(settings.BLOG_IMAGE_WIDTHS)) if resizable else ():
        if target >= width:
            break
        copy = _thumbnail(field_file, target)
        if copy is not None:
            copies.append(copy)
    if not web_ready and resizable:
        full = _thumbnail(field_file, width) or full
    return [*copies, full]


def webp_renditions(field_file):
    """WebP copies at the srcset's widths and at full size, for a <picture> <source>.

    [] when WebP would not help: the original is WebP already, too small to have resized
    copies (a few kilobytes either way), an animation (sorl would keep one frame), or it
    cannot be resized. The JPEG/PNG/GIF copies stay the <img>'s fallback.
    """
    if not field_file or os.path.splitext(field_file.name)[1].lower() == ".webp":
        return []
    width, _ = _stored_size(field_file)
    if not width or width <= min(settings.BLOG_IMAGE_WIDTHS):
        return []
    resizable, _, animated = _stored_traits(field_file)
    if not resizable or animated:
        return []
    targets = [t for t in sorted(set(settings.BLOG_IMAGE_WIDTHS)) if t < width] + [width]
    copies = [_thumbnail(field_file, target, format="WEBP") for target in targets]
    return [copy for copy in copies if copy is not None]


def warm_renditions(field_file):
    """Make the resized copies of a newly stored image now, so its first reader does not wait."""
    with source_cache():  # read the original once for all the widths
        renditions(field_file)
        webp_renditions(field_file)


def _thumbnail(field_file, width, **options):
    try:
        copy = get_thumbnail(field_file, str(width), upscale=False, **options)
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


def _stored_traits(field_file):
    """(resizable, web_ready, animated) of a stored image, read once: its name always holds
    that file.

    sorl keeps a GIF's animation but would reduce an animated PNG or WebP to one frame; no
    format keeps it as WebP, so no animation gets WebP copies.
    """
    digest = hashlib.sha256(field_file.name.encode()).hexdigest()
    key = f"blog.images.traits.v2:{digest}"  # v2: with `animated`
    traits = cache.get(key)
    if traits is None:
        extension = os.path.splitext(field_file.name)[1].lower()
        still_only = extension in {".png", ".webp"}
        try:
            with field_file.storage.open(field_file.name) as stored, _open(stored) as image:
                animated = bool(getattr(image, "is_animated", False))
                traits = (not (still_only and animated), is_web_ready(image), animated)
        except Exception:
            # Not remembered: the next render tries again. Until then JPEG and GIF copies
            # that sorl knows of are still offered, as the original is; a GIF may be an
            # animation, so it gets no WebP.
            logger.warning("Could not open %s", field_file.name, exc_info=True)
            return not still_only, True, extension == ".gif"
        cache.set(key, traits, None)  # storage never overwrites a name
    return traits


class ThumbnailEngine(PillowEngine):
    """sorl-thumbnail's Pillow engine, drawing from web_pixels (settings.THUMBNAIL_ENGINE)."""

    def prepare(self, image, options):
        if getattr(image, "is_animated", False) or is_web_ready(image):
            return image  # sorl handles orientation and a GIF's frames itself
        return web_pixels(ImageOps.exif_transpose(image))
