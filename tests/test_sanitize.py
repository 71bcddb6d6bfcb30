import pytest

from blog.sanitize import clean_comment_html, render_author_markdown
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
