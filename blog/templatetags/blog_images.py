"""{% responsive_image %}: a <picture> offering resized copies of an upload, WebP first, with
an <img> of the original format as the fallback (see blog/renditions.py)."""

from django import template

from blog import renditions

register = template.Library()


@register.inclusion_tag("blog/_image.html")
def responsive_image(field_file, *, alt, sizes="100vw", loading="lazy", css_class=""):
    """An <img> for an uploaded image, with copies narrower than the original in srcset.

    ``alt`` is required: give "" for a decorative image. ``sizes`` says how wide the
    image is shown, e.g. "(min-width: 50rem) 46rem, 100vw". Renders nothing without a file.
    """
    candidates = renditions.renditions(field_file)
    if not candidates:
        return {"image": None}
    return {
        # The widest copy, or the original if it is narrow enough to have none.
        "image": candidates[-2] if len(candidates) > 1 else candidates[-1],
        "candidates": candidates if len(candidates) > 1 else [],
        # The same widths in WebP, for browsers that take it (nearly all).
        "webp": renditions.webp_renditions(field_file),
        "alt": alt,
        "sizes": sizes,
        "loading": loading,
        "css_class": css_class,
    }
