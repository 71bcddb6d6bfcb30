"""What a newcomer sees in chromium: the facade on a phone, names that match, every page clean."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from blog.models import Digest, MediaItem
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "Why December Has the Longest Days of the Whole Year, Explained in Drawings"


@pytest.fixture
def digest(db):
    digest = factories.make_digest("Long days")
    factories.make_item(digest, title=LONG_TITLE, url="https://youtu.be/dQw4w9WgXcQ", position=0)
    factories.make_item(
        digest, kind=MediaItem.Kind.ARTICLE, title="An essay", position=1, links=2,
        url="https://example.org/essay", description="Why.\n\nHere's some more info about:",
    )  # fmt: skip
    return digest


def overlaps(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_facade_title_clears_the_play_button(page, live_server, digest, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + digest.get_absolute_url())
    video = page.locator(".video").first.bounding_box()
    title = page.locator(".video__placeholder-text").first.bounding_box()
    play = page.locator(".video__play").first.bounding_box()
    provider = page.locator(".video__provider").first.bounding_box()
    assert not overlaps(title, play), (title, play)
    assert not overlaps(title, provider), (title, provider)
    assert title["y"] + title["height"] <= video["y"] + video["height"]


def test_play_link_is_named_by_what_it_shows(page, live_server, digest):
    page.goto(live_server.url + digest.get_absolute_url())
    name = f"Play video: {LONG_TITLE} (YouTube)"
    assert page.get_by_role("link", name=name, exact=True).count() == 1
    assert page.locator(".video__provider").first.inner_text() == "YouTube"


def test_print_leaves_out_forms_and_says_each_address_once(page, live_server, digest):
    page.goto(live_server.url + digest.get_absolute_url())
    page.emulate_media(media="print")
    assert not page.locator(".subscribe-form").is_visible()
    assert not page.locator(".comment-form").is_visible()
    card = page.locator(".link-card").first
    assert not card.locator(".link-card__host").is_visible()
    # The printed address comes from the link's own ::after; the shortened host would repeat it.
    after = card.evaluate("el => getComputedStyle(el.querySelector('a'), '::after').content")
    assert "attr(href)" in after or "example.org/essay" in after


def all_violations(page):
    # label-content-name-mismatch is one of axe's experimental rules: ask for it too.
    results = Axe().run(page, options={"rules": {"label-content-name-mismatch": {"enabled": True}}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_every_page_type_has_no_accessibility_violations(page, live_server, digest):
    call_command("load_demo", verbosity=0)
    demo = Digest.objects.get(slug="connections-between-physics-and-deep-learning")
    category = factories.make_category("Physics")
    tag = factories.make_tag("tides")
    demo.categories.add(category)
    demo.tags.add(tag)
    year = demo.published_at.year
    urls = [
        reverse("blog:digest-list"),
        demo.get_absolute_url(),
        digest.get_absolute_url(),
        reverse("blog:archive-year", kwargs={"year": year}),
        category.get_absolute_url(),
        tag.get_absolute_url(),
        reverse("blog:search") + "?q=physics",
        "/no/such/page/",
    ]
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for url in urls:
            page.goto(live_server.url + url)
            assert all_violations(page) == [], (scheme, url)


def test_moderation_table_fits_a_1280_pixel_screen(page, live_server, digest):
    from django.test import Client

    from comments.models import DigestComment
    from tests.comment_helpers import approved_author, post_comment

    editor = factories.make_editor()
    approved_author("long@example.com")
    client = Client()
    post_comment(
        client, digest, email="long@example.com", name="A reader with a rather long name indeed",
        url="https://a-very-long-domain-name-for-a-personal-website.example.com/about/me/",
        comment="A long comment that goes on and on about physics and time " * 8,
    )  # fmt: skip
    assert DigestComment.objects.count() == 1
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", editor.username)
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:comments_digestcomment_changelist") + "?state=all")
    # Nothing scrolled out of sight: not the page, not the table inside its box.
    results = page.locator("#changelist .results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    row = page.locator("#result_list tbody tr").first
    assert row.locator("td.field-state_and_reason").is_visible()
    assert "IP 127.0.0.1" in row.inner_text()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_folded_reply_is_reached_by_its_permalink_or_a_click(
    browser, live_server, settings, javascript
):
    from comments.models import DigestComment
    from tests.test_first_impressions import _thread

    settings.COMMENTS_COLLAPSE_AFTER = 10
    digest = factories.make_digest("Busy")
    _thread(digest)
    deep = DigestComment.objects.get(comment="answer again 1.1")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    url = live_server.url + digest.get_absolute_url()
    page.goto(url)
    text = page.get_by_text("answer again 1.1", exact=True)
    assert not text.is_visible()
    if javascript:
        page.goto(f"{url}#{deep.anchor}")
    else:
        page.locator(f"#c{deep.parent_id} > details > summary").click()
    assert text.is_visible()
    context.close()
