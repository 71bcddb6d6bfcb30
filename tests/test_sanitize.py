import pytest

from blog.sanitize import clean_comment_html, render_author_markdown, render_comment_text
from tests import factories


def test_markdown_is_rendered_and_kept_safe():
    html = render_author_markdown("Some *emphasis* and [a link](https://example.com).")
    assert "<em>emphasis</em>" in html
    assert '<a href="https://example.com"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_author_html_cannot_run_script(hostile):
    html = render_author_markdown(hostile)
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onclick", "<svg", "style="):
        assert bad not in html.lower()


def test_comment_links_get_nofollow_ugc():
    html = clean_comment_html(
        '<a href="https://example.com" onclick="x()">site</a><script>x</script>'
    )
    assert 'rel="nofollow ugc noopener"' in html
    assert "onclick" not in html and "<script" not in html


@pytest.mark.django_db
def test_digest_page_shows_sanitised_intro_not_raw(client):
    digest = factories.make_digest(intro='Hello <script>alert("x")</script> **world**')
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "<strong>world</strong>" in page
    assert 'alert("x")' not in page.split("<main", 1)[1]


# Why render_comment_text keeps its own links and paragraphs: Django's urlize would link
# these (an email address as an <a> with no href, since comments allow http(s) only), and
# Django's linebreaks would break a code block at its blank line.


def test_comment_email_addresses_and_bare_domains_stay_text():
    html = render_comment_text("Write to ada@example.com or see example.com and www.example.org")
    assert "<a" not in html
    assert html == "<p>Write to ada@example.com or see example.com and www.example.org</p>"


def test_comment_code_block_keeps_its_blank_lines():
    html = render_comment_text("Try this:\n\n<pre>first()\n\nsecond()</pre>\n\nThen a line\nbreak.")
    assert html == "<p>Try this:</p><pre>first()\n\nsecond()</pre><p>Then a line<br>break.</p>"
