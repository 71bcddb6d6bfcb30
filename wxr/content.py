"""A WordPress post's content as a digest: an intro and a list of items.

WordPress stores HTML with shortcodes, Gutenberg block comments and bare lines
that wpautop turns into paragraphs when the page is shown. Recognisable media
become items: a YouTube or Vimeo address alone on a line, ``[embed]``, embed
blocks, ``[youtube]``/``[vimeo]`` (WordPress.com), ``<iframe>`` players → video;
``[caption]``, image blocks, ``<figure>`` and images → image; ``[gallery]`` and
gallery blocks → one image item per picture. A heading (``<h2>`` …) just before a
media item gives it its title; text after an item becomes its description; text
before the first item is the intro. Everything else stays as HTML cleaned with
the author allowlist (blog.sanitize), laid out so that Markdown passes it through
untouched (one block-level element per paragraph).

Pure functions: no database, no files. The importer turns the result into rows.
"""

import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from blog.embeds import parse_video
from blog.sanitize import clean_author_html, strip_tags


@dataclass
class Media:
    kind: str  # "video", "image" or "link"
    url: str  # the video page, the image file, or the linked page
    caption: str = ""
    alt: str = ""
    title: str = ""
    link: str = ""  # where an image pointed to
    attachment_id: int | None = None


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


_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>\]]+))""")
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

_EMBED_BLOCK = re.compile(
    r"<!--\s*wp:(core-embed/[\w-]+|embed|video)\b\s*(\{.*?\})?\s*/?-->(.*?)<!--\s*/wp:\1\s*-->",
    re.S,
)
_GALLERY_BLOCK = re.compile(
    r"<!--\s*wp:gallery\b\s*(\{.*?\})?\s*-->(.*?)<!--\s*/wp:gallery\s*-->", re.S
)
_SHORTCODE_PAIR = r"\[{name}\b([^\]]*)\](.*?)\[/{name}\]"
_CAPTION = re.compile(_SHORTCODE_PAIR.format(name="(?:caption|wp_caption)"), re.S | re.I)
_EMBED = re.compile(_SHORTCODE_PAIR.format(name="embed"), re.S | re.I)
_GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
# WordPress.com: [youtube https://…], [youtube=https://…], [vimeo 123], [vimeo https://…]
_WPCOM_VIDEO = re.compile(r"\[(youtube|vimeo)\s*=?\s*([^\]\s]+)[^\]]*\]", re.I)
_IFRAME = re.compile(r"<iframe\b([^>]*)>(?:.*?</iframe>)?", re.S | re.I)
_IMG = re.compile(r"(?:<a\b([^>]*)>\s*)?<img\b([^>]*?)/?>(?:\s*</a>)?", re.S | re.I)
_URL_LINE = re.compile(
    r"^[ \t]*(?:<p[^>]*>)?[ \t]*"
    r"(?:<a\b([^>]*)>(.*?)</a>|(https?://[^\s<>\"']+))"
    r"[ \t]*(?:</p>)?[ \t]*$",
    re.M | re.I,
)
_FIGURE_OPEN = re.compile(r"<figure\b[^>]*>", re.I)
_FIGURE_TAG = re.compile(r"<(/?)figure\b[^>]*>", re.I)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S | re.I)
_EMBED_WRAPPER = re.compile(r"wp-block-embed__wrapper[^>]*>\s*(https?://[^\s<]+)", re.I)
_MEDIA_SRC = re.compile(r"<(?:video|audio|source)\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.I)
# Shortcodes left in the text: ones with a closing tag or with attributes.
_SHORTCODE_NAME = re.compile(r"\[/([a-zA-Z][\w-]*)\]|\[([a-zA-Z][\w-]*)\s+[\w-]+=")


def attributes(text):
    """Attributes of a tag or shortcode, unescaped: {"src": "…", "alt": "…"}."""
    found = {}
    for name, double, single, bare in _ATTR.findall(text or ""):
        found.setdefault(name.lower(), html.unescape(double or single or bare))
    return found


def plain(fragment):
    """Plain text of an HTML fragment, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(fragment or "")).split())


def plain_title(title):
    """A post title as plain text: WordPress titles may hold tags and entities."""
    return plain(title)


def http_url(url, base=""):
    """An absolute http(s) address, or ""."""
    url = html.unescape((url or "").strip())
    if url.startswith("//"):
        url = "https:" + url
    elif url.startswith("/") and base:
        url = base.rstrip("/") + url
    return url if urlparse(url).scheme in {"http", "https"} else ""


def _attachment_id(attrs):
    for value in (attrs.get("id", ""), attrs.get("class", "")):
        match = re.search(r"(?:attachment_|wp-image-)(\d+)", value)
        if match:
            return int(match.group(1))
    return None


def _video_or_link(url, *, caption="", title=""):
    if not url:
        return None
    kind = "video" if parse_video(url) else "link"
    return Media(kind, url, caption=caption, title=title)


class _Extractor:
    """Replaces recognised media in the content with placeholders, in reading order."""

    def __init__(self, base_url, gallery):
        self.base = base_url
        self.gallery = gallery
        self.media = []

    def hold(self, found):
        """Placeholders for zero or more Media; the text they replace disappears."""
        found = [m for m in (found if isinstance(found, list) else [found]) if m]
        marks = []
        for media in found:
            self.media.append(media)
            marks.append(f"\n\n\x00{len(self.media) - 1}\x00\n\n")
        return "".join(marks) or "\n\n"

    def image(self, tag_attrs, link_attrs=None, caption=""):
        src = http_url(tag_attrs.get("src", ""), self.base)
        if not src:
            return None
        link = http_url((link_attrs or {}).get("href", ""), self.base)
        return Media(
            "image",
            src,
            caption=caption,
            alt=" ".join(tag_attrs.get("alt", "").split()),
            title=" ".join(tag_attrs.get("title", "").split()),
            link=link,
            attachment_id=_attachment_id(tag_attrs),
        )

    def images_in(self, fragment):
        """Every image in a fragment, each with the caption of its own <figure>, if any."""
        found, rest = [], fragment
        for piece in _innermost_figures(fragment):
            caption_match = _FIGCAPTION.search(piece)
            caption = plain(caption_match.group(1)) if caption_match else ""
            for link_attrs, img_attrs in _IMG.findall(piece):
                found.append(
                    self.image(attributes(img_attrs), attributes(link_attrs), caption=caption)
                )
            rest = rest.replace(piece, "", 1)
        for link_attrs, img_attrs in _IMG.findall(rest):
            found.append(self.image(attributes(img_attrs), attributes(link_attrs)))
        return found

    # Each method takes a regex match and returns the replacement text.

    def embed_block(self, match):
        attrs = _json(match.group(2))
        inner = match.group(3)
        caption_match = _FIGCAPTION.search(inner)
        caption = plain(caption_match.group(1)) if caption_match else ""
        url = attrs.get("url") or attrs.get("src") or ""
        if not url:
            wrapper = _EMBED_WRAPPER.search(inner) or _MEDIA_SRC.search(inner)
            url = wrapper.group(1) if wrapper else ""
        return self.hold(_video_or_link(http_url(url, self.base), caption=caption))

    def gallery_block(self, match):
        return self.hold(self.images_in(match.group(2)))

    def gallery_shortcode(self, match):
        attrs = attributes(match.group(1))
        ids = [int(i) for i in re.findall(r"\d+", attrs.get("ids") or attrs.get("include") or "")]
        return self.hold(self.gallery(ids or None))

    def caption_shortcode(self, match):
        attrs = attributes(match.group(1))
        inner = match.group(2)
        img = _IMG.search(inner)
        if not img:
            return match.group(0)
        caption = attrs.get("caption") or plain(_IMG.sub("", inner))
        media = self.image(attributes(img.group(2)), attributes(img.group(1)), caption=caption)
        if media and media.attachment_id is None:
            media.attachment_id = _attachment_id(attrs)
        return self.hold(media)

    def embed_shortcode(self, match):
        return self.hold(_video_or_link(http_url(plain(match.group(2)), self.base)))

    def wpcom_video(self, match):
        provider, value = match.group(1).lower(), html.unescape(match.group(2))
        if provider == "vimeo" and value.isdigit():
            value = f"https://vimeo.com/{value}"
        return self.hold(_video_or_link(http_url(value, self.base)))

    def figure(self, fragment):
        """A <figure>: images, a player or an embed; None if it is something else (a quote)."""
        images = self.images_in(fragment)
        if images:
            return self.hold(images)
        caption_match = _FIGCAPTION.search(fragment)
        caption = plain(caption_match.group(1)) if caption_match else ""
        iframe = _IFRAME.search(fragment)
        if iframe:
            attrs = attributes(iframe.group(1))
            url = http_url(attrs.get("src", ""), self.base)
            return self.hold(_video_or_link(url, caption=caption, title=attrs.get("title", "")))
        wrapper = _EMBED_WRAPPER.search(fragment) or _MEDIA_SRC.search(fragment)
        if wrapper:
            return self.hold(_video_or_link(http_url(wrapper.group(1), self.base), caption=caption))
        return None

    def iframe(self, match):
        attrs = attributes(match.group(1))
        url = http_url(attrs.get("src", ""), self.base)
        return self.hold(_video_or_link(url, title=attrs.get("title", "")))

    def img(self, match):
        return self.hold(self.image(attributes(match.group(2)), attributes(match.group(1))))

    def url_line(self, match):
        link_attrs, link_text, bare = match.groups()
        url = http_url(attributes(link_attrs).get("href", "") if link_attrs else bare)
        if not parse_video(url):
            return match.group(0)
        title = plain(link_text) if link_attrs else ""
        return self.hold(Media("video", url, title="" if title == url else title))


def _json(text):
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _innermost_figures(fragment):
    """The <figure>…</figure> pieces that hold no other figure (gallery figures hold figures)."""
    pieces, stack = [], []
    for tag in _FIGURE_TAG.finditer(fragment):
        if not tag.group(1):
            stack.append([tag.start(), False])
        elif stack:
            start, has_child = stack.pop()
            if not has_child:
                pieces.append(fragment[start : tag.end()])
            if stack:
                stack[-1][1] = True
    return pieces


def _replace_figures(text, extractor):
    """Replace each outermost <figure> that holds media; others stay as text."""
    out, position = [], 0
    depth, start = 0, None
    for tag in _FIGURE_TAG.finditer(text):
        if not tag.group(1):
            if depth == 0:
                start = tag.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                replacement = extractor.figure(text[start : tag.end()])
                if replacement is not None:
                    out.append(text[position:start])
                    out.append(replacement)
                    position = tag.end()
    out.append(text[position:])
    return "".join(out)


def extract_media(content, *, base_url="", gallery=None):
    """(text with placeholders, [Media]) for a post's raw content."""
    extractor = _Extractor(base_url, gallery or (lambda ids: []))
    text = (content or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _EMBED_BLOCK.sub(extractor.embed_block, text)
    text = _GALLERY_BLOCK.sub(extractor.gallery_block, text)
    text = _GALLERY.sub(extractor.gallery_shortcode, text)
    text = _CAPTION.sub(extractor.caption_shortcode, text)
    text = _EMBED.sub(extractor.embed_shortcode, text)
    text = _WPCOM_VIDEO.sub(extractor.wpcom_video, text)
    text = _replace_figures(text, extractor)
    text = _IFRAME.sub(extractor.iframe, text)
    text = _IMG.sub(extractor.img, text)
    text = _URL_LINE.sub(extractor.url_line, text)
    return text, extractor.media


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
