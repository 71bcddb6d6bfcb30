from django import template
from django.templatetags.static import static

from ..text import shorten

register = template.Library()


@register.simple_tag(takes_context=True)
def digest_meta(context, digest):
    """Description, preview image and JSON-LD BlogPosting for one digest."""
    request = context["request"]
    url = request.build_absolute_uri(digest.get_absolute_url())
    image = None
    if digest.cover_image:
        image = digest.cover_image.url
    else:
        for item in digest.media_items.all():
            if item.image:
                image = item.image.url
                break
    image = request.build_absolute_uri(image or static("blog/og-default.png"))
    description = digest.description()
    posting = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": shorten(digest.title, 110, end=""),
        "description": description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": [image],
        "dateModified": digest.updated_at.isoformat(),
    }
    if digest.published_at:
        posting["datePublished"] = digest.published_at.isoformat()
    if digest.author:
        posting["author"] = {
            "@type": "Person",
            "name": digest.author.get_full_name() or digest.author.get_username(),
        }
    return {"url": url, "image": image, "description": description, "posting": posting}
