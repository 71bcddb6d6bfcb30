"""Reading pages, given their bytes (blog.fetch fetched them): whether a source links to
a target, what its h-entry says (mf2py, mf2util), and where a page takes webmentions.

Nothing here opens a connection: mf2py is always handed the document, and mf2util's
authorship algorithm is never given a function to fetch an author page with.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from requests.utils import parse_header_links

from blog.permalinks import host_of
from blog.sanitize import clean_comment_html, render_comment_text, strip_tags
from blog.text import normalise, one_line, shorten

from .targets import same_page

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Attributes whose address is a link for the spec ("a href, img src, video src...").
LINK_ATTRIBUTES = ("href", "src", "cite", "data")
KINDS = (("in-reply-to", "reply"), ("like-of", "like"), ("repost-of", "repost"),
         ("bookmark-of", "bookmark"))  # fmt: skip


class Unreadable(Exception):
    """The source is not a document we can look for links in."""


@dataclass
class Entry:
    """What a verified source says about our digest, cleaned and ready to store."""

    kind: str = "mention"
    title: str = ""
    content_html: str = ""
    text: str = ""
    author_name: str = ""
    author_url: str = ""
    author_photo: str = ""
    published: datetime.datetime | None = None


def media_type(response):
    return response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def document(response):
    """The response parsed as HTML (BeautifulSoup), or None for plain text."""
    kind = media_type(response)
    if kind in HTML_TYPES:
        return _soup(response.body)
    if kind == "text/plain":
        return None
    raise Unreadable(f"{response.url} is {kind or 'of no declared type'}, not a web page")


def links_to(response, soup, targets):
    """Whether the source links to one of targets (the same page, see targets.same_page)."""
    if soup is None:
        text = response.body.decode("utf-8", "replace")
        words = (word.strip("<>()[]\"',.;") for word in text.split())
        found = (word for word in words if word.startswith(("http://", "https://")))
    else:
        base = _base(soup, response.url)
        found = (
            urljoin(base, tag[name].strip())
            for name in LINK_ATTRIBUTES
            for tag in soup.find_all(attrs={name: True})
        )
    return any(same_page(url, target) for url in found for target in targets)


def _base(soup, url):
    base = soup.find("base", href=True)
    return urljoin(url, base["href"]) if base else url


def entry(response, soup, targets):
    """The source's first h-entry, interpreted (kind, author, content), or a plain mention."""
    if soup is None:
        return Entry()
    title = soup.title.get_text() if soup.title else ""
    import mf2py  # loaded by the first webmention, not in every worker
    import mf2util

    parsed = mf2py.parse(doc=soup, url=response.url, html_parser="html.parser")
    found = mf2util.interpret_entry(parsed, response.url)
    if not found:
        return Entry(title=_line(title, 300))
    kind = "mention"
    for prop, name in KINDS:
        if any(_names(item.get("url"), targets) for item in found.get(prop, [])):
            kind = name
            break
    author = found.get("author") or {}
    content_html = clean_comment_html(found.get("content") or "")
    text = normalise(strip_tags(content_html), multiline=True, drop_nul=True)
    limit = settings.COMMENTS_BODY_MAX_LENGTH
    if len(text) > limit:  # cut as text: HTML can't be cut safely
        text = shorten(text, limit)
        content_html = render_comment_text(text)
    return Entry(
        kind=kind,
        title=_line(found.get("name") or title, 300),
        content_html=content_html,
        text=text,
        author_name=_line(author.get("name"), 200),
        author_url=_url(author.get("url")),
        author_photo=_url(author.get("photo")),
        published=_datetime(found.get("published")),
    )


def _names(url, targets):
    return isinstance(url, str) and any(same_page(url, target) for target in targets)


def _line(value, limit, multiline=False):
    if isinstance(value, dict):  # mf2py 2: {"value": ..., "alt": ...}
        value = value.get("value")
    if not multiline:
        return one_line(value, limit)
    text = normalise(value if isinstance(value, str) else "", multiline=True, drop_nul=True)
    return shorten(text.strip(), limit)


def _url(value):
    """An http(s) address we may store and link to, or ""."""
    value = _line(value, 1000)
    return value if host_of(value) and len(value) <= 500 else ""


def _datetime(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value
    return None


def endpoint(response):
    """The webmention endpoint a page names (its Link header first, then the first
    <link> or <a rel="webmention"> in the document), as an absolute address; or None."""
    for header in response.headers.getlist("Link"):
        for link in parse_header_links(header):
            if "webmention" in link.get("rel", "").lower().split():
                return urljoin(response.url, link["url"])
    if media_type(response) not in HTML_TYPES:
        return None
    soup = _soup(response.body)
    tag = soup.find(["link", "a"], rel="webmention", href=True)
    return urljoin(_base(soup, response.url), tag["href"].strip()) if tag else None


def _soup(markup):
    """BeautifulSoup's reading of markup; bs4 (with mf2py, some 25 MB) is loaded by the first
    webmention, not in every worker."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "html.parser")
