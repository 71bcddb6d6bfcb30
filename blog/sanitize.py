"""The project's one sanitising module: every HTML allowlist lives here.

Author text (digest intros, item descriptions) and, later, comment text are
turned from Markdown into HTML and cleaned with nh3 (Ammonia) exactly once,
when they are stored. Templates mark only that stored output as safe.
bleach is not used: its maintainers declared it unmaintained in 2026.
"""

import re

import markdown
import nh3

from .text import normalise

URL_SCHEMES = frozenset({"http", "https", "mailto"})

# What editors may use in intros and item descriptions.
AUTHOR_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4",
        "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "ul",
    }
)  # fmt: skip
AUTHOR_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}

# What readers may use in comments (the comments issue builds on this).
COMMENT_TAGS = frozenset({"a", "blockquote", "br", "code", "em", "p", "pre", "strong"})
COMMENT_ATTRIBUTES = {"a": {"href"}}
COMMENT_LINK_REL = "nofollow ugc noopener"


def _clean(html, **allowlist):
    """nh3 with an allowlist, on normalised characters (blog.text) in and out.

    Out too: nh3 decodes character references, so "&#1;" would come back as a control.
    """
    text = normalise(html, multiline=True, drop_nul=True)
    return normalise(nh3.clean(text, **allowlist), multiline=True, drop_nul=True)


def clean_author_html(html: str) -> str:
    """Clean HTML written by an editor."""
    return _clean(
        html,
        tags=AUTHOR_TAGS,
        attributes=AUTHOR_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


def render_author_markdown(text: str) -> str:
    """Turn an editor's Markdown into clean HTML, ready to store."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "smarty"], output_format="html")
    return clean_author_html(html)


def clean_comment_html(html: str) -> str:
    """Clean HTML written by a reader."""
    return _clean(
        html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=frozenset({"http", "https"}),
        link_rel=COMMENT_LINK_REL,
    )


_TAG = re.compile(r"(<[^>]*>)")
_BARE_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'"
_PRE = re.compile(r"(<pre>.*?</pre>)", re.S)


def _linkify(html):
    """Make bare http(s) addresses in text (not already in a link) clickable."""
    out, in_link = [], False
    for part in _TAG.split(html):
        if part.startswith("<"):
            if part.lower().startswith("<a"):
                in_link = True
            elif part.lower() == "</a>":
                in_link = False
            out.append(part)
        elif in_link:
            out.append(part)
        else:
            out.append(_BARE_URL.sub(_link_for, part))
    return "".join(out)


def _link_for(match):
    url = match.group(0)
    trailing = ""
    while url and url[-1] in _TRAILING:
        trailing = url[-1] + trailing
        url = url[:-1]
    return f'<a href="{url}">{url}</a>{trailing}'


def _paragraphs(html):
    """Blank lines make paragraphs and single line breaks stay, except inside <pre>."""
    out = []
    for part in _PRE.split(html.replace("\r\n", "\n").strip()):
        if part.startswith("<pre>"):
            out.append(part)
            continue
        for block in re.split(r"\n\s*\n", part.strip()):
            if block.strip():
                out.append("<p>" + block.strip().replace("\n", "<br>") + "</p>")
    return "".join(out)


def render_comment_text(text: str) -> str:
    """A reader's comment as stored HTML: paragraphs, clickable links, a small allowlist.

    Everything goes through nh3 with the comment allowlist, before and after the
    links and paragraphs are added; a "#!markdown" first line is just text.
    """
    return clean_comment_html(_paragraphs(_linkify(clean_comment_html(text or ""))))


def strip_tags(html: str) -> str:
    """Plain text of stored HTML, for search documents and meta descriptions."""
    return _clean(html or "", tags=set()).strip()
