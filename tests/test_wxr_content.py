"""wxr.content: WordPress post HTML → an intro and items; Markdown leaves the result alone."""

import pytest

from blog.sanitize import clean_author_html, render_author_markdown
from wxr.content import Media, clean_text, parse, plain_title


def kinds(parsed):
    return [(i.media.kind, i.title, i.media.url) for i in parsed.items]


def test_a_video_address_alone_on_a_line_is_a_video_item():
    parsed = parse(
        "Intro.\n\nhttps://youtu.be/zR3Igc3Rhfg\n\nAbout it.\n\n"
        "A line with https://www.youtube.com/watch?v=5MdSE-N0bxs in it stays text.\n\n"
        '<p><a href="https://vimeo.com/76979871">A talk worth watching</a></p>'
    )
    assert parsed.intro_html == "<p>Intro.</p>"
    assert kinds(parsed) == [
        ("video", "YouTube video", "https://youtu.be/zR3Igc3Rhfg"),
        ("video", "A talk worth watching", "https://vimeo.com/76979871"),
    ]
    assert "stays text" in parsed.items[0].description_html


def test_embeds_players_and_wordpress_com_shortcodes():
    parsed = parse(
        "[embed width=640]https://vimeo.com/1234567[/embed]\n"
        "[youtube https://www.youtube.com/watch?v=dQw4w9WgXcQ]\n"
        "[vimeo 7654321]\n"
        '<iframe src="https://www.youtube-nocookie.com/embed/5MdSE-N0bxs?start=30"></iframe>\n'
        "[embed]https://example.org/not-a-video[/embed]\n"
        '<!-- wp:core-embed/youtube {"url":"https://www.youtube.com/watch?v=aircAruvnKk"} -->\n'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        "https://www.youtube.com/watch?v=aircAruvnKk</div></figure>\n"
        "<!-- /wp:core-embed/youtube -->"
    )
    assert [(i.media.kind, i.media.url) for i in parsed.items] == [
        ("video", "https://vimeo.com/1234567"),
        ("video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("video", "https://vimeo.com/7654321"),
        ("video", "https://www.youtube-nocookie.com/embed/5MdSE-N0bxs?start=30"),
        ("link", "https://example.org/not-a-video"),
        ("video", "https://www.youtube.com/watch?v=aircAruvnKk"),
    ]


def test_captions_figures_and_galleries_are_image_items():
    def gallery(ids):
        return [Media("image", f"https://old.example/{n}.jpg", caption=f"Photo {n}") for n in ids]

    parsed = parse(
        '[caption id="attachment_5" width="300"]<img src="/wp-content/uploads/a-300x200.jpg" '
        'alt="Alt A" /> Caption A[/caption]\n\n'
        '[caption caption="Old style" width="300"]<img src="https://old.example/b.jpg" />[/caption]'
        '\n\n<figure><img src="https://old.example/c.png" alt="C"><figcaption>Caption '
        "<em>C</em></figcaption></figure>\n\n"
        '[gallery ids="7,8" columns="2"]\n\n'
        '<figure class="wp-block-pullquote"><blockquote><p>Just a quote</p></blockquote></figure>',
        base_url="https://old.example",
        gallery=gallery,
    )
    assert [(i.title, i.media.url, i.media.alt, i.media.attachment_id) for i in parsed.items] == [
        ("Caption A", "https://old.example/wp-content/uploads/a-300x200.jpg", "Alt A", 5),
        ("Old style", "https://old.example/b.jpg", "", None),
        ("Caption C", "https://old.example/c.png", "C", None),
        ("Photo 7", "https://old.example/7.jpg", "", None),
        ("Photo 8", "https://old.example/8.jpg", "", None),
    ]
    assert parsed.items[-1].description_html == "<blockquote><p>Just a quote</p></blockquote>"


def test_headings_give_items_their_title_source_and_description():
    parsed = parse(
        "<p>Intro.</p>\n<h2>1. The first talk</h2>\n"
        '<p class="digest-source">World Science Festival</p>\n<p>Before the video.</p>\n'
        "https://vimeo.com/76979871\n\n<p>After it.</p>\n"
        '<h3><a href="https://example.org/paper">A paper</a></h3>\n<p>Why.</p>\n'
        "<h2>Closing words</h2>\n<p>Thanks for reading.</p>"
    )
    talk, paper = parsed.items
    assert (talk.title, talk.source, talk.media.kind) == (
        "The first talk", "World Science Festival", "video",
    )  # fmt: skip
    assert talk.description_html == "<p>Before the video.</p>\n\n<p>After it.</p>"
    assert (paper.title, paper.media.kind, paper.media.url) == (
        "A paper", "link", "https://example.org/paper",
    )  # fmt: skip
    # A heading with nothing under it is text: it stays with the item before it.
    assert paper.description_html == (
        "<p>Why.</p>\n\n<h2>Closing words</h2>\n\n<p>Thanks for reading.</p>"
    )


def test_a_post_without_media_is_all_intro():
    parsed = parse("<h2>Notes</h2>\n\nJust some text.\n\n<ul>\n<li>one</li>\n\n<li>two</li>\n</ul>")
    assert parsed.items == []
    assert parsed.intro_html == (
        "<h2>Notes</h2>\n\n<p>Just some text.</p>\n\n<ul>\n<li>one</li>\n\n<li>two</li>\n</ul>"
    )


@pytest.mark.parametrize(
    "wordpress_text",
    [
        "Stars *stay* stars, _underscores_ too, [brackets](stay) and 1986. stays a year.",
        "    Four spaces are not a code block.\n# Not a heading\n> not a quote",
        "<pre>code\n\n    indented *x*\n</pre>",
        "<div>Loose text in a div</div>\n\n<table><tr><td>a *cell*</td></tr></table>",
        "<h1>Big</h1><h5>Small</h5><p>Tom &amp; Jerry &lt;3</p>",
        "Line one\nline two\n\n\n\nAfter blank lines <!-- a comment --> end.",
    ],
)
def test_imported_text_passes_through_markdown_unchanged(wordpress_text):
    """The intro is Markdown: imported HTML must mean the same after render_author_markdown."""
    stored = clean_text(wordpress_text)
    assert stored
    assert render_author_markdown(stored) == clean_author_html(stored)


def test_unsafe_markup_is_cleaned():
    parsed = parse(
        '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:evil()">link</a>'
        '<img src="x" onerror="alert(2)"></p><style>p{}</style><iframe src="javascript:x"></iframe>'
    )
    html = parsed.intro_html + "".join(i.description_html for i in parsed.items)
    for bad in ("onclick", "script", "alert", "javascript", "onerror", "style"):
        assert bad not in html


def test_titles_are_plain_text():
    assert (
        plain_title("<em>Hello</em> &amp; welcome &lt;friends&gt;") == "Hello & welcome <friends>"
    )
    assert plain_title("  Spaced \n out  ") == "Spaced out"


def test_unknown_shortcodes_are_reported():
    parsed = parse('[contact-form to="me"][/contact-form] and [sic] and [audio src="x.mp3"]')
    assert parsed.shortcodes == ["audio", "contact-form"]


FRAGMENTS = (
    "text *star*", "_under_", "\n", "\n\n", "<p>", "</p>", "<div>", "</div>", "<em>", "</em>",
    "<ul><li>a", "</li></ul>", "<li>", "<pre>", "</pre>", "    indented", "# hash", "> quote",
    "1. one", "- dash", "<h2>", "</h2>", "<h1>x</h1>", "<table><tr><td>", "</td></tr></table>",
    "[x](y)", "&amp;", "<", ">", "<br>", "<hr>", "<blockquote>", "</blockquote>", "`code`",
    "<a href='https://e.com'>", "</a>", "<img src='https://e.com/x.jpg'>", "***", "---",
    "https://youtu.be/zR3Igc3Rhfg", "<!-- c -->", "<span>", "</span>", "\t", "<figure>",
    "</figure>", "<figcaption>c</figcaption>", "<script>x</script>", "<ol start='3'>", "</ol>",
)  # fmt: skip


def test_markdown_leaves_any_imported_html_alone():
    """Random, badly nested WordPress markup: what is stored means the same through Markdown."""
    import random
    import re

    def same(html):
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()

    rng = random.Random(6)
    for _ in range(400):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 25)))
        parsed = parse(text)
        for html in [parsed.intro_html, *(i.description_html for i in parsed.items)]:
            assert same(render_author_markdown(html)) == same(clean_author_html(html)), text
