"""Likes in Debian's chromium: a reader likes and unlikes a digest with JavaScript on (in
place, no page load) and off (the form comes back to the button with its answer)."""

import pytest
from playwright.sync_api import expect

from likes.models import Like

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab_without_js(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith(live_server.url) else r.abort()
    )
    yield page
    context.close()


def test_like_and_unlike_in_place_with_javascript(page, live_server, digest):
    page.goto(live_server.url + digest.get_absolute_url())
    page.evaluate("window.stayedOnPage = true")
    button = page.locator("#likes button")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_selector("#likes button[aria-pressed=true]")
    assert page.locator("#likes .likes__count").inner_text() == "1 person likes this."
    assert page.evaluate("window.stayedOnPage") is True  # no page load
    page.locator("#likes button").click()
    page.wait_for_selector("#likes button[aria-pressed=false]")
    assert page.locator("#likes .likes__count").inner_text() == "Be the first to like this."
    assert not Like.objects.exists()
    # Someone else's like shows on the next visit, though the page itself is cached.
    Like.objects.create(digest=digest, guest="another-reader")
    page.reload()
    expect(page.locator("#likes .likes__count")).to_have_text("1 person likes this.")


def test_like_and_unlike_without_javascript(tab_without_js, live_server, digest):
    tab = tab_without_js
    tab.goto(live_server.url + digest.get_absolute_url())
    tab.locator("#likes button").click()
    # A page every reader shares has no CSRF token: without JavaScript the like comes
    # back once, with one, to be sent again.
    assert "no security token for this site yet" in tab.get_by_role("alert").inner_text()
    tab.get_by_role("button", name="Send again").click()
    tab.wait_for_url(f"**{digest.get_absolute_url()}#likes")
    assert "You like this digest." in tab.locator("#likes [role=status]").inner_text()
    assert tab.locator("#likes .likes__count").inner_text() == "1 person likes this."
    assert tab.locator("#likes button").get_attribute("aria-pressed") == "true"
    tab.locator("#likes button").click()
    assert "Your like is taken back." in tab.locator("#likes [role=status]").inner_text()
    assert Like.objects.count() == 0
