"""An editor in Debian's chromium: paste links into a digest and see them filled in; save
links with the bookmarklet and start a digest from them. The linked sites are a loopback
stand-in (tests/link_standin.py); the server fetches them, the browser never does."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from blog.models import Digest
from tests import link_standin
from tests.admin_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot(page, name, height=720):
    """Kept for the README when SCREENSHOTS=1 (a developer refreshing docs/)."""
    if os.environ.get("SCREENSHOTS"):
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": height})
        page.screenshot(path=str(DOCS / name))
        page.set_viewport_size(size)


def test_pasted_links_fill_in_their_items(page, live_server, linked_site):
    log_in(page, live_server)
    page.goto(live_server.url + reverse("admin:blog_digest_add"))
    page.locator("#id_title").fill("Links of the week")

    # A video in the "Add item from link" box fills the empty first item.
    page.get_by_label("Address", exact=True).fill(YOUTUBE)
    page.get_by_role("button", name="Add item", exact=True).click()
    first = "#id_media_items-0"
    expect(page.locator(f"{first}-title")).to_have_value(link_standin.VIDEO_TITLE)
    assert page.locator(f"{first}-source").input_value() == link_standin.CHANNEL
    assert page.locator(f"{first}-kind").input_value() == "video"
    poster = page.locator("#media_items-0 .composer-poster img")
    poster.wait_for()
    assert poster.evaluate("img => img.complete && img.naturalWidth") == 640

    # An article pasted into a new item's URL, where the editor already typed a title.
    page.locator("#media_items-group .add-row a").click()
    second = "#id_media_items-1"
    page.locator(f"{second}-title").fill("My own title")
    page.locator(f"{second}-url").fill(f"{linked_site.base}/article")
    page.locator(f"{second}-url").press("Tab")
    expect(page.locator(f"{second}-source")).not_to_have_value("")
    assert page.locator(f"{second}-title").input_value() == "My own title"  # never overwritten
    assert page.locator(f"{second}-source").input_value() == (
        f"{link_standin.ARTICLE_AUTHOR}, {link_standin.ARTICLE_SITE}"
    )
    assert page.locator(f"{second}-kind").input_value() == "article"
    page.locator("#media_items-1 .composer-poster img").wait_for()
    page.locator("#composer-tools").evaluate(
        "box => window.scrollBy(0, box.getBoundingClientRect().top - 10)"
    )
    screenshot(page, "composer-paste.png", height=1150)

    # A link that says nothing: a clear message, and the item is filled in by hand.
    page.locator("#media_items-group .add-row a").click()
    page.locator("#id_media_items-2-url").fill(f"{linked_site.base}/nothing")
    page.locator("#id_media_items-2-url").press("Tab")
    status = page.locator("#composer-status")
    status.filter(has_text="fill in the item by hand").wait_for()
    page.locator("#id_media_items-2-kind").select_option("link")
    page.locator("#id_media_items-2-title").fill("A quiet page")

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")
    digest = Digest.objects.get()
    items = list(digest.media_items.all())
    assert [i.title for i in items] == [link_standin.VIDEO_TITLE, "My own title", "A quiet page"]
    assert items[0].image and items[1].image and not items[2].image
    assert page.blocked_requests == []  # the browser asked no other site for anything


def test_links_saved_with_the_bookmarklet_start_a_digest(page, live_server, linked_site):
    log_in(page, live_server)
    inbox = live_server.url + reverse("admin:composer_savedlink_changelist")
    page.goto(inbox)
    code = page.locator("a.composer-bookmarklet").get_attribute("href")
    assert code.startswith("javascript:")
    page.route(f"{linked_site.base}/**", lambda route: route.continue_())  # the pages being read

    for path, title in (("jsonld", link_standin.LD_TITLE), ("article", link_standin.ARTICLE_TITLE)):
        page.goto(f"{linked_site.base}/{path}")
        with page.expect_popup() as opened:
            page.evaluate(code.removeprefix("javascript:"))
        window = opened.value
        if path == "article":
            screenshot(window, "composer-bookmarklet.png", height=420)
        window.get_by_role("button", name="Save to the inbox").click()
        window.get_by_text("Saved to the link inbox").wait_for()
        assert title in window.content()
        window.close()

    page.goto(inbox)
    assert page.locator("#result_list tbody tr").count() == 2
    screenshot(page, "composer-inbox.png")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option(label="Start a digest from these")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector(".messagelist .success")
    titles = page.locator("#media_items-group .has_original input[name$='-title']")
    assert [t.input_value() for t in titles.all()] == [
        link_standin.LD_TITLE,
        link_standin.ARTICLE_TITLE,
    ]
