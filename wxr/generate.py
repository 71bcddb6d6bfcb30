"""A large WordPress export made up on the spot, to measure import_wxr (bench_wxr).

It looks like a real digest blog: authors, nested categories, tags, posts whose
content holds a YouTube line, a [caption] image, a linked heading and an
[embed], threaded comments (some held, some spam, a pingback now and then) and
one attachment per image, listed after the posts as WordPress lists them. The
images are small JPEGs written under an uploads folder, as wp-content/uploads.
Written as it goes: memory stays flat however many posts are asked for.
"""

import io
import random
from datetime import UTC, datetime, timedelta
from html import escape

from PIL import Image

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Generated digests</title>
<link>https://generated.example</link>
<description>A generated export</description>
<language>en-US</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://generated.example</wp:base_site_url>
<wp:base_blog_url>https://generated.example</wp:base_blog_url>
"""
VOCABULARY = (
    "universe particle theory video lecture science physics mind brain quantum field energy "
    "galaxy planet history future machine learning language evolution climate ocean music "
    "mathematics proof elegant surprising careful new old deep simple reason question answer"
)
WORDS = VOCABULARY.split()
VIDEO_IDS = ("5MdSE-N0bxs", "zR3Igc3Rhfg", "dQw4w9WgXcQ", "aircAruvnKk", "kBdfcR-8hEY")
START = datetime(2012, 1, 1, 9, 0, tzinfo=UTC)


def _cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _jpeg(rng):
    buffer = io.BytesIO()
    color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    Image.new("RGB", (48, 32), color).save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def write_export(out, uploads=None, *, posts=2000, comments=10, images=1, seed=1):
    """Write a WXR file to ``out`` (text); return what it holds.

    ``comments`` per post on average; ``images`` per post, written under ``uploads``
    (a Path) when given.
    """
    rng = random.Random(seed)
    counts = {"posts": 0, "attachments": 0, "comments": 0}
    out.write(HEADER)
    for n in range(1, 6):
        out.write(
            f"<wp:author><wp:author_id>{n}</wp:author_id><wp:author_login>author{n}"
            f"</wp:author_login><wp:author_email>author{n}@generated.example</wp:author_email>"
            f"<wp:author_display_name>{_cdata(f'Author {n}')}</wp:author_display_name>"
            "</wp:author>\n"
        )
    for n in range(1, 31):
        parent, slug = f"topic-{(n - 1) // 5}" if n > 5 else "", f"topic-{n}"
        out.write(
            f"<wp:category><wp:term_id>{n}</wp:term_id><wp:category_nicename>{slug}"
            f"</wp:category_nicename><wp:category_parent>{parent}</wp:category_parent>"
            f"<wp:cat_name>{_cdata(slug.replace('-', ' ').title())}</wp:cat_name></wp:category>\n"
        )
    for n in range(1, 101):
        out.write(
            f"<wp:tag><wp:term_id>{100 + n}</wp:term_id><wp:tag_slug>tag-{n}</wp:tag_slug>"
            f"<wp:tag_name>{_cdata(f'Tag {n}')}</wp:tag_name></wp:tag>\n"
        )
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
            url = f"https://generated.example/wp-content/uploads/{path}"
            parts.append(
                f'[caption id="attachment_{attachment_id}" width="300"]<img src="{url}" '
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
        body = []
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
            body.append(
                f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                f"<wp:comment_author>{_cdata(f'Reader {comment_id % 700}')}</wp:comment_author>"
                f"<wp:comment_author_email>reader{comment_id % 700}@example.com"
                "</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>"
                f"<wp:comment_author_IP>192.0.2.{comment_id % 250}</wp:comment_author_IP>"
                f"<wp:comment_date>{stamp:%Y-%m-%d %H:%M:%S}</wp:comment_date>"
                f"<wp:comment_date_gmt>{stamp:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                f"<wp:comment_content>{_cdata(_words(rng, 25))}</wp:comment_content>"
                f"<wp:comment_approved>{approved}</wp:comment_approved>"
                f"<wp:comment_type>{kind}</wp:comment_type>"
                f"<wp:comment_parent>{parent[0]}</wp:comment_parent>"
                "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
            )
            counts["comments"] += 1
        categories = rng.sample(range(1, 31), 2)
        tags = rng.sample(range(1, 101), 3)
        terms = "".join(
            f'<category domain="category" nicename="topic-{c}">{_cdata("Topic")}</category>'
            for c in categories
        ) + "".join(
            f'<category domain="post_tag" nicename="tag-{t}">{_cdata(f"Tag {t}")}</category>'
            for t in tags
        )
        title = f"{_words(rng, 5).capitalize()} &amp; {_words(rng, 2)} ({post})"
        out.write(
            _item(post_id, title, f"post-{post}", when, "post", "\n\n".join(parts), terms, body)
        )
        counts["posts"] += 1
    for attachment_id, parent, path, when in attachments:
        url = f"https://generated.example/wp-content/uploads/{path}"
        extra = (
            f"<wp:attachment_url>{url}</wp:attachment_url><wp:postmeta><wp:meta_key>"
            f"_wp_attached_file</wp:meta_key><wp:meta_value>{path}</wp:meta_value></wp:postmeta>"
        )
        out.write(
            _item(
                attachment_id,
                f"image {attachment_id}",
                f"image-{attachment_id}",
                when,
                "attachment",
                "",
                extra,
                [],
                parent=parent,
                status="inherit",
                guid=url,
            )  # fmt: skip
        )
        counts["attachments"] += 1
    out.write("</channel>\n</rss>\n")
    return counts


def _item(post_id, title, name, when, post_type, content, extra, comments, *, parent=0,
          status="publish", guid=None):  # fmt: skip
    guid = guid or f"https://generated.example/?p={post_id}"
    return (
        f"<item><title>{_cdata(title)}</title>"
        f"<link>https://generated.example/{when:%Y/%m/%d}/{name}/</link>"
        f"<dc:creator>author{post_id % 5 + 1}</dc:creator>"
        f'<guid isPermaLink="false">{escape(guid)}</guid><description></description>'
        f"<content:encoded>{_cdata(content)}</content:encoded>"
        f"<wp:post_id>{post_id}</wp:post_id>"
        f"<wp:post_date>{when:%Y-%m-%d %H:%M:%S}</wp:post_date>"
        f"<wp:post_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
        "<wp:comment_status>open</wp:comment_status>"
        f"<wp:post_name>{name}</wp:post_name><wp:status>{status}</wp:status>"
        f"<wp:post_parent>{parent}</wp:post_parent><wp:menu_order>0</wp:menu_order>"
        f"<wp:post_type>{post_type}</wp:post_type><wp:post_password></wp:post_password>"
        f"<wp:is_sticky>0</wp:is_sticky>{extra}{''.join(comments)}</item>\n"
    )
