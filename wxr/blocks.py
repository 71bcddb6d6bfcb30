"""A digest as WordPress shows it (block markup) and exactly (JSON), for export_wxr.

The block markup is what WordPress's editor opens and what this site's import reads back
(wxr.content) when the exact data is missing; the JSON goes in the DIGEST_META field.
"""

import json
from html import escape


def digest_data(digest, file_url):
    """The digest exactly, for this site's own import."""
    return {
        "version": 1,
        "intro": digest.intro,
        "items": [
            {
                "kind": item.kind,
                "title": item.title,
                "source": item.source,
                "description": item.description,
                "url": item.url,
                "image": [item.image.name, file_url(item.image.name)] if item.image else [],
                "alt_text": item.alt_text,
                "decorative": item.decorative,
                "caption": item.caption,
                "credit": item.credit,
                "links_heading": item.links_heading,
                "links": [{"title": link.title, "url": link.url} for link in item.links.all()],
            }
            for item in digest.media_items.all()
        ],
    }


def digest_html(digest, file_url, attachment_ids):
    """What WordPress shows: the intro, then each item's blocks."""
    parts = [digest.intro_html]
    for item in digest.media_items.all():
        parts += _item_blocks(item, file_url, attachment_ids)
    return "\n\n".join(p for p in parts if p)


def _item_blocks(item, file_url, attachment_ids):
    """A heading, the source, an embed or image block, the description, related links."""
    title = escape(item.title)
    if item.url and not item.video and not item.image:
        title = f'<a href="{escape(item.url)}">{title}</a>'
    parts = [f"<!-- wp:heading -->\n<h2>{title}</h2>\n<!-- /wp:heading -->"]
    if item.source:
        parts.append(f'<p class="digest-source">{escape(item.source)}</p>')
    caption = escape(item.caption)
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    if item.video:
        provider = item.video.provider
        attrs = json.dumps({"url": item.url, "type": "video", "providerNameSlug": provider})
        parts.append(
            f"<!-- wp:embed {attrs} -->\n"
            f'<figure class="wp-block-embed is-type-video is-provider-{provider}">'
            f'<div class="wp-block-embed__wrapper">\n{escape(item.url)}\n</div>'
            f"{figcaption}</figure>\n<!-- /wp:embed -->"
        )
    elif item.image:
        attachment_id = attachment_ids.get(item.image.name, 0)
        alt = "" if item.decorative else escape(item.alt_text)
        img = (
            f'<img src="{escape(file_url(item.image.name))}" alt="{alt}" '
            f'class="wp-image-{attachment_id}"/>'
        )
        if item.url:
            img = f'<a href="{escape(item.url)}">{img}</a>'
        parts.append(
            f'<!-- wp:image {{"id":{attachment_id}}} -->\n'
            f'<figure class="wp-block-image">{img}{figcaption}</figure>\n'
            "<!-- /wp:image -->"
        )
    if item.description_html:
        parts.append(item.description_html)
    related = [
        f'<li><a href="{escape(link.url)}">{escape(link.title)}</a></li>'
        for link in item.links.all()
    ]
    if related:
        if item.links_heading:
            parts.append(f"<p>{escape(item.links_heading)}</p>")
        parts.append(f"<ul>{''.join(related)}</ul>")
    return parts
