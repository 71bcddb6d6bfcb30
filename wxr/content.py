"""A WordPress post's content as a digest: an intro and a list of items.

WordPress stores HTML with shortcodes, Gutenberg block comments and bare lines
that wpautop turns into paragraphs when the page is shown. Recognisable media
(wxr.media) become items. A heading (``<h2>`` …) just before a media item gives it
its title; text after an item becomes its description; text before the first item is
the intro. Everything else stays as HTML cleaned with the author allowlist
(blog.sanitize), laid out so that Markdown passes it through untouched (one
block-level element per paragraph).

Pure functions: no database, no files. The importer turns the result into rows.
"""

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from blog.embeds import parse_video
from blog.sanitize import clean_author_html, strip_tags

from .media import Media, extract_media, http_url, plain


@dataclass
class Item:
    title: str = ""
    url: str = ""  # from a linked heading
    source: str = ""
    description: list = field(default_factory=list)
    media: Media | None = None
    from_heading: bool = False
    heading_html: str = ""

    @property
    def description_html(self):
        return "\n\n".join(self.description)


@dataclass
class Parsed:
    intro_html: str
    items: list
    shortcodes: list  # names of shortcodes left in the text


_BLOCK_TAGS = (
    "address|article|aside|blockquote|dd|details|div|dl|dt|fieldset|figcaption|figure|footer|"
    "form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|"
    "tr|ul"
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_BLOCK = re.compile(rf"^(?:{_BLOCK_TAGS})$", re.I)
_ALLOWED_START = re.compile(r"^<(p|h[2-4]|ul|ol|blockquote|pre|hr)\b", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+")
# Shortcodes left in the text: ones with a closing tag or with attributes.
_SHORTCODE_NAME = re.compile(r"\[/([a-zA-Z][\w-]*)\]|\[([a-zA-Z][\w-]*)\s+[\w-]+=")


def plain_title(title):
    """A post title as plain text: WordPress titles may hold tags and entities."""
    return plain(title)


def raw_blocks(text):
    """Top-level blocks of WordPress text, as wpautop would make paragraphs of it.

    Block elements (<p>, <ul>, <blockquote>, <pre> …) stay whole, blank lines inside
    them included; loose text is split at blank lines into paragraphs, single line
    breaks become <br>.
    """
    text = _COMMENT.sub("", text)
    blocks, stack, start, position = [], [], 0, 0

    def loose(run):
        for chunk in re.split(r"\n[ \t]*\n", run):
            if strip_tags(chunk).strip() or re.search(r"<(img|br)\b", chunk, re.I):
                blocks.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk.strip()) + "</p>")

    for tag in _TAG.finditer(text):
        closing, name = tag.group(1), tag.group(2).lower()
        if not _BLOCK.match(name):
            continue
        if not closing:
            if name == "hr":
                if not stack:
                    loose(text[position : tag.start()])
                    blocks.append("<hr>")
                    position = tag.end()
                continue
            if not stack:
                loose(text[position : tag.start()])
                start = tag.start()
            stack.append(name)
        elif name in stack:
            while stack and stack.pop() != name:
                pass
            if not stack:
                blocks.append(text[start : tag.end()])
                position = tag.end()
        elif not stack:
            # A stray closing tag (e.g. the half of a paragraph an image was taken out of).
            loose(text[position : tag.start()])
            position = tag.end()
    if stack:
        blocks.append(text[start:])
    else:
        loose(text[position:])
    return blocks


_HEADING = re.compile(r"^\s*<h([1-6])\b[^>]*>(.*?)</h\1>\s*$", re.S | re.I)
_SOURCE = re.compile(
    r"^\s*<p\b[^>]*class=[\"'][^\"']*digest-source[^\"']*[\"'][^>]*>(.*?)</p>\s*$", re.S | re.I
)
_HREF = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)


def clean_block(block):
    """One block as clean HTML that Markdown passes through untouched, or "".

    What a removed element (<div>, <table>, <figure> …) leaves behind may be loose text
    between the blocks inside it: each piece becomes a block of its own, loose text a
    paragraph, so that every block starts with a tag Markdown treats as raw HTML.
    """
    html = re.sub(r"<(/?)h1\b", r"<\1h2", block, flags=re.I)
    html = re.sub(r"<(/?)h[56]\b", r"<\1h4", html, flags=re.I)
    # Badly nested input can take nh3 more than one pass to settle.
    for _ in range(5):
        blocks = []
        for part in raw_blocks(clean_author_html(html)):
            part = clean_author_html(part).strip()
            if not _ALLOWED_START.match(part):
                part = clean_author_html(f"<p>{part}</p>").strip()
            if part == "<hr>" or strip_tags(part).strip():
                # Markdown expands tabs; doing it first keeps the two the same.
                blocks.append(part.expandtabs(4))
        settled, html = html, "\n\n".join(blocks)
        if html == settled:
            break
    return html


def clean_text(text):
    """WordPress text as clean HTML blocks separated by blank lines; media markers dropped."""
    text = _PLACEHOLDER.sub("\n\n", text)
    return "\n\n".join(b for b in (clean_block(r) for r in raw_blocks(text)) if b)


def _default_title(media):
    if media.title:
        return media.title
    if media.caption:
        return media.caption
    if media.kind == "video":
        return f"{parse_video(media.url).provider_name} video"
    if media.kind == "image":
        return media.alt or urlparse(media.url).path.rsplit("/", 1)[-1] or "Image"
    return urlparse(media.url).hostname or media.url


def parse(content, *, base_url="", gallery=None):
    """Split a post's content into the intro and items (see the module docstring)."""
    text, media = extract_media(content, base_url=base_url, gallery=gallery)
    shortcodes = sorted(
        {(a or b).lower() for a, b in _SHORTCODE_NAME.findall(_COMMENT.sub("", text))}
    )
    intro, items, current = [], [], None
    for segment_index, segment in enumerate(_PLACEHOLDER.split(text)):
        if segment_index % 2:
            found = media[int(segment)]
            if current is not None and current.from_heading and current.media is None:
                current.media = found
            else:
                current = Item(media=found)
                items.append(current)
            continue
        for raw in raw_blocks(segment):
            heading = _HEADING.match(raw)
            if heading:
                link = _HREF.search(heading.group(2))
                current = Item(
                    title=_NUMBERED.sub("", plain(heading.group(2))),
                    url=http_url(link.group(1), base_url) if link else "",
                    from_heading=True,
                    heading_html=clean_block(raw),
                )
                items.append(current)
                continue
            source = _SOURCE.match(raw)
            if source and current is not None and not current.source:
                current.source = plain(source.group(1))
                continue
            block = clean_block(raw)
            if block:
                (current.description if current is not None else intro).append(block)

    kept = []
    for item in items:
        if item.media is None and item.from_heading and not item.url:
            # A heading with no media under it is just part of the text.
            blocks = [b for b in [item.heading_html] if b] + item.description
            if item.source:
                blocks.insert(1, f"<p>{html.escape(item.source)}</p>")
            (kept[-1].description if kept else intro).extend(blocks)
            continue
        if item.media is None:
            item.media = Media("link", item.url)
        if not item.title:
            item.title = _default_title(item.media)
        kept.append(item)
    return Parsed("\n\n".join(intro), kept, shortcodes)
