"""The project's one sanitising module: every HTML allowlist lives here.

Author text (digest intros, item descriptions) and, later, comment text are
turned from Markdown into HTML and cleaned with nh3 (Ammonia) exactly once,
when they are stored. Templates mark only that stored output as safe.
bleach is not used: its maintainers declared it unmaintained in 2026.
"""

import markdown
import nh3

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


def clean_author_html(html: str) -> str:
    """Clean HTML written by an editor."""
    return nh3.clean(
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
    return nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=frozenset({"http", "https"}),
        link_rel=COMMENT_LINK_REL,
    )


def strip_tags(html: str) -> str:
    """Plain text of stored HTML, for search documents and meta descriptions."""
    return nh3.clean(html or "", tags=set()).strip()
