"""What a newcomer reads first: descriptions, archive indexing, item order, dates, previews."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from blog.models import Digest, MediaItem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

STOCK_INTRO = "These are the latest articles and videos I found most interesting."


def meta_description(html):
    match = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert match, "no meta description"
    return match.group(1)


def robots(html):
    match = re.search(r'<meta name="robots" content="([^"]*)">', html)
    return match.group(1) if match else ""


def test_stock_intro_gets_the_item_titles_in_its_description(client):
    digest = factories.make_digest("Week 12", intro=STOCK_INTRO)
    factories.make_item(digest, title="Black holes explained", position=0)
    factories.make_item(digest, title="Tides", position=1)
    other = factories.make_digest("Week 13", intro=STOCK_INTRO)
    factories.make_item(other, title="Volcanoes", position=0)

    first = meta_description(client.get(digest.get_absolute_url()).content.decode())
    second = meta_description(client.get(other.get_absolute_url()).content.decode())

    assert first == (
        "These are the latest articles and videos I found most interesting: "
        "Black holes explained; Tides"
    )
    assert first != second and "Volcanoes" in second


def test_editor_summary_is_the_description(client):
    digest = factories.make_digest("Week 14", intro=STOCK_INTRO, summary="Tides, told twice.")
    factories.make_item(digest, title="Tides")
    html = client.get(digest.get_absolute_url()).content.decode()
    assert meta_description(html) == "Tides, told twice."
    assert '<meta property="og:description" content="Tides, told twice.">' in html


def test_long_intro_is_its_own_description():
    intro = "A long intro that says what this week is about, " * 4
    digest = factories.make_digest("Week 15", intro=intro)
    factories.make_item(digest, title="Never mentioned")
    assert "Never mentioned" not in digest.description()
    assert digest.description().startswith("A long intro that says")
    assert len(digest.description()) <= 200


def test_archives_are_indexable_and_described(client, settings):
    digest = factories.make_digest("Tides and time")
    year = digest.published_at.year
    html = client.get(reverse("blog:archive-year", kwargs={"year": year})).content.decode()
    assert "noindex" not in robots(html)
    assert meta_description(html) == f"Digests from {year} on Digests: Tides and time"

    settings.BLOG_NOINDEX_ARCHIVES = True
    html = client.get(reverse("blog:archive-year", kwargs={"year": year})).content.decode()
    assert robots(html) == "noindex, follow"


def test_search_404_category_and_tag_pages_have_descriptions(client):
    category = factories.make_category("Physics", description="Everything about physics.")
    tag = factories.make_tag("tides")
    digest = factories.make_digest("Tides and time")
    digest.categories.add(category)
    digest.tags.add(tag)

    search = client.get(reverse("blog:search"), {"q": "tides"}).content.decode()
    assert meta_description(search) == "Digests on Digests that mention “tides”"
    assert robots(search) == "noindex, follow"
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert "nothing at this address" in meta_description(missing.content.decode())
    assert robots(missing.content.decode()) == "noindex"
    cat = client.get(category.get_absolute_url()).content.decode()
    assert meta_description(cat) == "Everything about physics."
    tagged = client.get(tag.get_absolute_url()).content.decode()
    assert meta_description(tagged) == "Tag: tides on Digests: Tides and time"


def test_404_search_forms_are_told_apart(client):
    html = client.get("/no/such/page/").content.decode()
    labels = re.findall(r'role="search" aria-label="([^"]+)"', html)
    assert len(labels) == 2 and len(set(labels)) == 2


def test_related_links_stay_under_their_lead_in(client):
    digest = factories.make_digest("Digest")
    item = factories.make_item(
        digest, kind=MediaItem.Kind.ARTICLE, title="Long days", links=2,
        url="https://example.org/long-days", description="Why.\n\nHere's some more info about:",
    )  # fmt: skip
    html = client.get(digest.get_absolute_url()).content.decode()
    article = html[html.index(f'id="{item.anchor}"') :]
    card = article.index('class="link-card"')
    lead_in = article.index("Here’s some more info about:")
    links = article.index('class="related-links"')
    assert card < lead_in < links
    # Nothing stands between the lead-in's paragraph and its list.
    assert re.search(r"more info about:</p></div>\s*<ul class=\"related-links\"", article)


def test_dates_in_markup_carry_whole_seconds(client):
    digest = factories.make_digest("Digest")
    Digest.objects.filter(pk=digest.pk).update(
        published_at=digest.published_at.replace(microsecond=123456)
    )
    html = client.get(digest.get_absolute_url()).content.decode()
    stamps = re.findall(r'datetime="([^"]+)"', html)
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp), stamp


def test_draft_preview_date_line_has_no_stray_separator(client):
    editor = factories.make_editor()
    draft = factories.make_digest("Draft", published=False, author=editor)
    client.force_login(editor)
    html = client.get(draft.get_absolute_url()).content.decode()
    meta = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    assert " ".join(meta.split()) == "by editor"


def test_admin_index_has_one_section_per_name(client):
    client.force_login(factories.make_editor())
    html = client.get(reverse("admin:index")).content.decode()
    captions = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', html)
    assert "Reader profiles" in captions
    assert len(captions) == len(set(captions)), captions


def test_development_console_prints_each_log_line_once():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('one line')"
    )
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert (result.stdout + result.stderr).count("one line") == 1


def test_editor_puts_pages_in_the_header_menu(client):
    from django.contrib.flatpages.models import FlatPage
    from django.contrib.sites.models import Site

    from blog.models import MenuLink

    about = FlatPage.objects.create(url="/about/", title="About this blog", content="<p>Hi</p>")
    about.sites.add(Site.objects.get_current())
    contact = FlatPage.objects.create(url="/contact/", title="Contact", content="<p>Mail</p>")
    contact.sites.add(Site.objects.get_current())
    MenuLink.objects.create(page=contact, position=1)
    MenuLink.objects.create(page=about, label="About", position=0)

    html = client.get(reverse("blog:digest-list")).content.decode()
    nav = re.search(r'<ul class="site-nav">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav) == [
        ("/", "Home"), ("/about/", "About"), ("/contact/", "Contact"), ("/feed/", "RSS"),
    ]  # fmt: skip
    assert client.get("/about/").status_code == 200


def test_menu_changes_show_on_cached_pages(client):
    from django.contrib.flatpages.models import FlatPage

    from blog.models import MenuLink

    client.get(reverse("blog:digest-list"))  # now in the page cache
    page = FlatPage.objects.create(url="/about/", title="About", content="<p>Hi</p>")
    link = MenuLink.objects.create(page=page)
    assert 'href="/about/">About</a>' in client.get(reverse("blog:digest-list")).content.decode()
    link.delete()
    assert 'href="/about/"' not in client.get(reverse("blog:digest-list")).content.decode()


def _pending_comment(client, digest):
    from comments.models import DigestComment
    from comments.verification import make_token
    from tests.comment_helpers import post_comment

    post_comment(client, digest)
    comment = DigestComment.objects.get()
    assert comment.state == DigestComment.State.UNVERIFIED
    return comment, reverse("comments:confirm", kwargs={"token": make_token(comment)})


def test_confirm_page_says_before_the_click_that_a_first_comment_is_held(client):
    digest = factories.make_digest("Digest")
    comment, url = _pending_comment(client, digest)
    html = client.get(url).content.decode()
    assert "waits for a moderator" in html
    assert "Confirm my address and send the comment for moderation" in html
    assert "and publish" not in html

    client.post(url)
    comment.refresh_from_db()
    assert comment.state == comment.State.HELD
    again = client.get(url).content.decode()
    assert "already confirmed; the comment is awaiting moderation" in again
    assert "<button" not in again.split('class="page-title"')[1].split("</main>")[0]


def test_confirm_page_promises_publication_only_when_it_will_happen(client, settings):
    settings.COMMENTS_HOLD_FIRST_COMMENT = False
    digest = factories.make_digest("Digest")
    comment, url = _pending_comment(client, digest)
    html = client.get(url).content.decode()
    assert "published at once" in html and "Confirm my address and publish" in html
    client.post(url)
    comment.refresh_from_db()
    assert comment.state == comment.State.PUBLIC


def test_each_comment_is_an_article_with_a_heading_and_whole_second_dates(client):
    from tests.comment_helpers import approved_author, post_comment

    approved_author()
    digest = factories.make_digest("Digest")
    client.logout()
    post_comment(client, digest)
    html = client.get(digest.get_absolute_url()).content.decode()
    article = re.search(r"<article aria-labelledby=\"(c\d+)-by\">(.*?)</article>", html, re.S)
    assert f'<h3 class="comment__author" id="{article.group(1)}-by">' in article.group(2)
    stamp = re.search(r'<time datetime="([^"]+)"', article.group(2)).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp)


def _thread(digest, replies_per_level=(3, 2)):
    """A digest with top-level comments, each answered and answered again."""
    for n in range(replies_per_level[0]):
        top = factories.make_comment(digest, f"top {n}")
        for m in range(replies_per_level[1]):
            reply = factories.make_comment(digest, f"reply {n}.{m}", parent=top)
            factories.make_comment(digest, f"answer {n}.{m}", parent=reply)
            factories.make_comment(digest, f"answer again {n}.{m}", parent=reply)


def test_long_threads_fold_replies_to_replies_and_keep_every_comment(client, settings):
    settings.COMMENTS_COLLAPSE_AFTER = 10
    digest = factories.make_digest("Busy")
    _thread(digest)  # 3 top, 6 replies, 12 answers: 21 comments
    html = client.get(digest.get_absolute_url()).content.decode()
    assert html.count('<details class="comment-replies">') == 6
    assert html.count("<summary>2 more replies</summary>") == 6
    for n in range(3):
        assert f"<p>top {n}</p>" in html
        for m in range(2):
            assert f"<p>answer again {n}.{m}</p>" in html
    # Well nested: as many lists and folds closed as opened.
    comments = html[html.index('id="comments-title"') :]
    assert comments.count("<details") == comments.count("</details>")
    assert comments.count('<ol class="comment-list') == comments.count("</ol>")


def test_short_threads_are_shown_whole(client, settings):
    settings.COMMENTS_COLLAPSE_AFTER = 50
    digest = factories.make_digest("Quiet")
    _thread(digest)
    html = client.get(digest.get_absolute_url()).content.decode()
    assert "<details" not in html and "<p>answer again 2.1</p>" in html
