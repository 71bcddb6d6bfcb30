"""Recognising the media in a WordPress post's content: videos, images, galleries, links.

A YouTube or Vimeo address alone on a line, ``[embed]``, embed blocks,
``[youtube]``/``[vimeo]`` (WordPress.com), ``<iframe>`` players → video; ``[caption]``,
image blocks, ``<figure>`` and images → image; ``[gallery]`` and gallery blocks → one
image per picture. extract_media replaces each with a placeholder (``\\x00N\\x00`` on a
paragraph of its own) that wxr.content reads. Pure functions: no database, no files.
"""

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from blog.embeds import parse_video
from blog.sanitize import strip_tags


@dataclass
class Media:
    kind: str  # "video", "image" or "link"
    url: str  # the video page, the image file, or the linked page
    caption: str = ""
    alt: str = ""
    title: str = ""
    link: str = ""  # where an image pointed to
    attachment_id: int | None = None


_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>\]]+))""")
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


def attributes(text):
    """Attributes of a tag or shortcode, unescaped: {"src": "…", "alt": "…"}."""
    found = {}
    for name, double, single, bare in _ATTR.findall(text or ""):
        found.setdefault(name.lower(), html.unescape(double or single or bare))
    return found


def plain(fragment):
    """Plain text of an HTML fragment, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(fragment or "")).split())


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
