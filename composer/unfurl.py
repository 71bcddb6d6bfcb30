"""A link made into an item: its kind, title, source line, description and poster.

Fetched once, from the server, through blog.fetch (composer.sources). What a page says
about itself is untrusted: every text becomes bounded plain text (markup dropped, then
blog.text's rules), and a poster is checked like any upload (blog.images) before it is
kept. Pages are parsed with extruct (OpenGraph, JSON-LD) and lxml, never with regexes.
"""

import html
from dataclasses import dataclass
from urllib.parse import urljoin

import regex
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blog import images
from blog.embeds import parse_video
from blog.models import MediaItem
from blog.sanitize import strip_tags
from blog.text import one_line, shorten

from . import sources
from .sources import SourceError

TITLE_LENGTH = MediaItem._meta.get_field("title").max_length
SOURCE_LENGTH = MediaItem._meta.get_field("source").max_length
# "The first sentences": at most this many, in at most this many characters.
MAX_SENTENCES = 3
DESCRIPTION_LENGTH = 400
MAX_AUTHORS = 3
SENTENCE_END = regex.compile(r"(?<=[.!?…])\s+")
HTML_TYPES = ("text/html", "application/xhtml+xml")


class UnfurlError(SourceError):
    """The link could not be described; the editor fills the item in by hand."""


@dataclass
class Preview:
    url: str
    kind: str
    title: str = ""
    source: str = ""
    description: str = ""
    poster_url: str = ""

    def as_dict(self):
        return {
            "url": self.url,
            "kind": self.kind,
            "title": self.title,
            "source": self.source,
            "description": self.description,
        }


def plain(value, limit):
    """Untrusted text (maybe with markup or entities) as one line of at most limit characters."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    value = value[: limit * 20]  # 100 KB of text is not read to the end
    return one_line(html.unescape(strip_tags(value)), limit)


def opening(value, limit=DESCRIPTION_LENGTH):
    """The first whole sentences of a text that fit in limit characters."""
    text = plain(value, limit * 4)
    kept = ""
    for sentence in SENTENCE_END.split(text)[:MAX_SENTENCES]:
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or shorten(text, limit)


def names(authors):
    authors = [a for a in (plain(a, SOURCE_LENGTH) for a in authors) if a]
    if len(authors) > MAX_AUTHORS:
        return _("%(first)s et al.") % {"first": authors[0]}
    if len(authors) > 1:
        return _("%(most)s and %(last)s") % {"most": ", ".join(authors[:-1]), "last": authors[-1]}
    return authors[0] if authors else ""


def unfurl(url):
    """The Preview of url; UnfurlError saying why not."""
    if not settings.COMPOSER_FETCH_LINKS:
        raise UnfurlError(_("fetching links is switched off on this site"))
    try:
        if found := sources.oembed(url):
            return _video(url, *found)
        if identifier := sources.arxiv_id(url):
            return _paper(url, sources.arxiv(identifier))
        if identifier := sources.doi_of(url):
            return _paper(url, sources.doi(identifier))
        return _article(url)
    except UnfurlError:
        raise
    except SourceError as exc:
        raise UnfurlError(str(exc)) from exc


def _video(url, video, data):
    thumbnail = data.get("thumbnail_url")
    return Preview(
        url=url,
        kind=MediaItem.Kind.VIDEO,
        title=plain(data.get("title"), TITLE_LENGTH),
        source=plain(data.get("author_name"), SOURCE_LENGTH),
        poster_url=thumbnail if isinstance(thumbnail, str) else "",
    )


def _paper(url, record):
    return Preview(
        url=url,
        kind=MediaItem.Kind.PAPER,
        title=plain(record.get("title"), TITLE_LENGTH),
        source=names(record.get("authors") or []),
        description=opening(record.get("abstract")),
    )


def _article(url):
    answer = sources.get(url, accept="text/html,application/xhtml+xml")
    content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        raise UnfurlError(
            _("%(url)s is not a web page (%(type)s)") % {"url": url, "type": content_type}
        )
    # Loaded here, not with the module: every worker imports this one (the admin's URLs),
    # few ever unfurl, and extruct with what it brings is some 30 MB.
    import extruct
    from extruct.utils import parse_html

    tree = parse_html(answer.body, encoding=_charset(answer.headers))
    data = extruct.extract(
        tree, base_url=answer.url, syntaxes=["opengraph", "json-ld"], uniform=True, errors="ignore"
    )
    og = next(iter(data.get("opengraph") or []), {})
    ld = _json_ld_article(data.get("json-ld") or [])

    def meta(name):
        found = tree.xpath("//meta[@name=$name]/@content", name=name)
        return found[0] if found else ""

    title = og.get("og:title") or meta("twitter:title") or ld.get("headline") or ld.get("name")
    title = title or " ".join(tree.xpath("//title//text()"))
    description = og.get("og:description") or meta("twitter:description")
    description = description or ld.get("description") or meta("description")
    site = og.get("og:site_name") or _name(ld.get("publisher"))
    author = _name(ld.get("author")) or meta("author")
    image = og.get("og:image") or meta("twitter:image") or _image(ld.get("image"))
    preview = Preview(
        url=url,
        kind=MediaItem.Kind.ARTICLE,
        title=plain(title, TITLE_LENGTH),
        source=plain(
            ", ".join(p for p in (plain(author, 150), plain(site, 150)) if p), SOURCE_LENGTH
        ),
        description=opening(description),
        poster_url=urljoin(answer.url, image) if isinstance(image, str) and image else "",
    )
    if not preview.title:
        raise UnfurlError(_("%(url)s says nothing about itself, not even a title") % {"url": url})
    return preview


def _charset(headers):
    for part in headers.get("Content-Type", "").split(";")[1:]:
        key, _sep, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return "utf-8"


def _json_ld_article(blocks):
    """The first JSON-LD object that has a headline or a name (looking inside @graph)."""
    queue = list(blocks)
    while queue:
        block = queue.pop(0)
        if isinstance(block, list):
            queue.extend(block)
        elif isinstance(block, dict):
            queue.extend(block.get("@graph") or [])
            if block.get("headline") or (block.get("name") and block.get("@type") != "WebSite"):
                return block
    return {}


def _name(value):
    if isinstance(value, list):
        return names(_name(v) for v in value)
    if isinstance(value, dict):
        return value.get("name") or ""
    return value if isinstance(value, str) else ""


def _image(value):
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("url") or ""
    return value if isinstance(value, str) else ""


def fetch_poster(preview):
    """The preview's poster as an upload checked like any other; UnfurlError if refused."""
    if not preview.poster_url.startswith(("https://", "http://")):
        raise UnfurlError(_("the page names no image"))
    try:
        answer = sources.get(
            preview.poster_url, accept="image/*", max_bytes=settings.BLOG_MAX_UPLOAD_BYTES
        )
    except SourceError as exc:
        raise UnfurlError(str(exc)) from exc
    data = answer.body
    video = parse_video(preview.url)
    stem = f"{video.provider}-{video.video_id}" if video else slugify(preview.title)[:60]
    upload = SimpleUploadedFile(f"{stem or 'image'}{images.extension_of(data)}", data)
    try:
        images.inspect_image(upload)
    except ValidationError as exc:
        raise UnfurlError(" ".join(exc.messages)) from exc
    upload.seek(0)
    return upload
