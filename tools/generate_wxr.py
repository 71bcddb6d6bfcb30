"""A large WordPress export made up on the spot, to measure import_wxr (tools/bench_wxr.py).

It looks like a real digest blog: authors, nested categories, tags, posts whose
content holds a YouTube line, a [caption] image, a linked heading and an
[embed], threaded comments (some held, some spam, a pingback now and then) and
one attachment per image, listed after the posts as WordPress lists them. The
images are small JPEGs written under an uploads folder, as wp-content/uploads.
Written as it goes, through the export's own writer (wxr.writer): memory stays flat
however many posts are asked for.
"""

import io
import random
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from PIL import Image

from wxr.writer import WXRWriter

SITE = "https://generated.example"
VOCABULARY = (
    "universe particle theory video lecture science physics mind brain quantum field energy "
    "galaxy planet history future machine learning language evolution climate ocean music "
    "mathematics proof elegant surprising careful new old deep simple reason question answer"
)
WORDS = VOCABULARY.split()
VIDEO_IDS = ("5MdSE-N0bxs", "zR3Igc3Rhfg", "dQw4w9WgXcQ", "aircAruvnKk", "kBdfcR-8hEY")
START = datetime(2012, 1, 1, 9, 0, tzinfo=UTC)


def _words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _jpeg(rng):
    buffer = io.BytesIO()
    color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    Image.new("RGB", (48, 32), color).save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _record(xml, name, fields):
    """One line: <name> holding a (field, value) element each; text in CDATA, numbers not."""
    xml.startElement(name, {})
    for field, value in fields:
        xml.element(field, value, cdata=isinstance(value, str))
    xml.endElement(name)
    xml.raw("\n")


def _header(xml):
    """The channel, 5 authors, 30 nested categories and 100 tags."""
    xml.start_channel()
    xml.line("title", "Generated digests")
    xml.line("link", SITE)
    xml.line("description", "A generated export")
    xml.line("language", "en-US")
    xml.line("wp:wxr_version", "1.2")
    xml.line("wp:base_site_url", SITE)
    xml.line("wp:base_blog_url", SITE)
    for n in range(1, 6):
        _record(xml, "wp:author", [
            ("wp:author_id", n), ("wp:author_login", f"author{n}"),
            ("wp:author_email", f"author{n}@generated.example"),
            ("wp:author_display_name", f"Author {n}"),
        ])  # fmt: skip
    for n in range(1, 31):
        parent, slug = f"topic-{(n - 1) // 5}" if n > 5 else "", f"topic-{n}"
        _record(xml, "wp:category", [
            ("wp:term_id", n), ("wp:category_nicename", slug), ("wp:category_parent", parent),
            ("wp:cat_name", slug.replace("-", " ").title()),
        ])  # fmt: skip
    for n in range(1, 101):
        _record(xml, "wp:tag", [
            ("wp:term_id", 100 + n), ("wp:tag_slug", f"tag-{n}"), ("wp:tag_name", f"Tag {n}"),
        ])  # fmt: skip


def write_export(out, uploads=None, *, posts=2000, comments=10, images=1, seed=1):
    """Write a WXR file to ``out`` (text); return what it holds.

    ``comments`` per post on average; ``images`` per post, written under ``uploads``
    (a Path) when given.
    """
    rng = random.Random(seed)
    counts = {"posts": 0, "attachments": 0, "comments": 0}
    xml = WXRWriter(out)
    _header(xml)
    attachments = []
    next_comment = 1
    for post in range(1, posts + 1):
        when = START + timedelta(hours=6 * post)
        post_id = post * 10
        parts = [_words(rng, 40) + ".", _words(rng, 30) + ".\n" + _words(rng, 12) + "."]
        parts += [f"https://www.youtube.com/watch?v={rng.choice(VIDEO_IDS)}", _words(rng, 25)]
        for image in range(images):
            attachment_id = post_id + 1 + image
            path = f"{when:%Y/%m}/image-{post}-{image}.jpg"
            attachments.append((attachment_id, post_id, path, when))
            parts.append(
                f'[caption id="attachment_{attachment_id}" width="300"]<img src="{_upload(path)}" '
                f'alt="{_words(rng, 4)}" class="wp-image-{attachment_id}" /> '
                f"{_words(rng, 6)}[/caption]"
            )
            if uploads is not None:
                target = uploads / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_jpeg(rng))
        parts += [
            f'<h2><a href="https://example.org/article/{post}">{_words(rng, 5)}</a></h2>',
            _words(rng, 35) + ".",
            f"[embed]https://vimeo.com/{76979871 + post}[/embed]",
            _words(rng, 20) + ".",
        ]
        thread = []
        written = []
        for _ in range(rng.randint(0, 2 * comments) if comments else 0):
            comment_id = next_comment
            next_comment += 1
            parent = rng.choice(thread) if thread and rng.random() < 0.6 else (0, -1)
            roll = rng.random()
            approved = "spam" if roll < 0.03 else "0" if roll < 0.08 else "1"
            kind = "pingback" if rng.random() < 0.02 else "comment"
            if parent[1] < 5 and kind == "comment":
                thread.append((comment_id, parent[1] + 1))
            stamp = when + timedelta(minutes=10 * comment_id % 5000 + 5)
            written.append((comment_id, parent[0], approved, kind, stamp, _words(rng, 25)))
            counts["comments"] += 1
        categories = rng.sample(range(1, 31), 2)
        tags = rng.sample(range(1, 101), 3)
        title = f"{_words(rng, 5).capitalize()} &amp; {_words(rng, 2)} ({post})"
        with _item(xml, post_id, title, f"post-{post}", when, "post", "\n\n".join(parts)):
            for category in categories:
                attrs = {"domain": "category", "nicename": f"topic-{category}"}
                xml.element("category", "Topic", cdata=True, attrs=attrs)
            for tag in tags:
                attrs = {"domain": "post_tag", "nicename": f"tag-{tag}"}
                xml.element("category", f"Tag {tag}", cdata=True, attrs=attrs)
            for comment in written:
                _comment(xml, *comment)
        counts["posts"] += 1
    for attachment_id, parent, path, when in attachments:
        url = _upload(path)
        with _item(
            xml, attachment_id, f"image {attachment_id}", f"image-{attachment_id}", when,
            "attachment", "", parent=parent, status="inherit", guid=url,
        ):  # fmt: skip
            xml.element("wp:attachment_url", url)
            _record(
                xml, "wp:postmeta", [("wp:meta_key", "_wp_attached_file"), ("wp:meta_value", path)]
            )
        counts["attachments"] += 1
    xml.end_channel()
    return counts


def _upload(path):
    return f"{SITE}/wp-content/uploads/{path}"


def _comment(xml, comment_id, parent, approved, kind, stamp, text):
    _record(xml, "wp:comment", [
        ("wp:comment_id", comment_id), ("wp:comment_author", f"Reader {comment_id % 700}"),
        ("wp:comment_author_email", f"reader{comment_id % 700}@example.com"),
        ("wp:comment_author_url", ""), ("wp:comment_author_IP", f"192.0.2.{comment_id % 250}"),
        ("wp:comment_date", f"{stamp:%Y-%m-%d %H:%M:%S}"),
        ("wp:comment_date_gmt", f"{stamp:%Y-%m-%d %H:%M:%S}"), ("wp:comment_content", text),
        ("wp:comment_approved", approved), ("wp:comment_type", kind),
        ("wp:comment_parent", parent), ("wp:comment_user_id", 0),
    ])  # fmt: skip


@contextmanager
def _item(xml, post_id, title, name, when, post_type, content, *, parent=0,
          status="publish", guid=None):  # fmt: skip
    """An <item>; what the body of the with writes goes after its fields."""
    xml.startElement("item", {})
    xml.element("title", title, cdata=True)
    xml.element("link", f"{SITE}/{when:%Y/%m/%d}/{name}/")
    xml.element("dc:creator", f"author{post_id % 5 + 1}")
    xml.element("guid", guid or f"{SITE}/?p={post_id}", attrs={"isPermaLink": "false"})
    xml.element("description")
    xml.element("content:encoded", content, cdata=True)
    for field, value in (
        ("post_id", post_id), ("post_date", f"{when:%Y-%m-%d %H:%M:%S}"),
        ("post_date_gmt", f"{when:%Y-%m-%d %H:%M:%S}"), ("comment_status", "open"),
        ("post_name", name), ("status", status), ("post_parent", parent), ("menu_order", 0),
        ("post_type", post_type), ("post_password", ""), ("is_sticky", 0),
    ):  # fmt: skip
        xml.element(f"wp:{field}", value)
    yield
    xml.endElement("item")
    xml.raw("\n")
