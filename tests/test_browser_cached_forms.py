"""Forms on a page from the cache, in Debian's chromium: the page carries no CSRF token,
site.js gets one when the reader starts typing; without JavaScript the comment comes
back with everything typed and a token, and a second click sends it."""

import pytest
from playwright.sync_api import expect

from comments.models import DigestComment
from tests.comment_helpers import approved_author
from tests.test_browser_comments import field, local_page, send, stored, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.COMMENTS_FLOOD_SECONDS = 0


def token_field(page):
    return page.locator(".comment-form input[name=csrfmiddlewaretoken]")


def test_a_guest_comments_from_the_cached_page_with_a_token_fetched_as_they_type(
    page, live_server, digest, settings
):
    settings.LIKES_ENABLED = False  # the likes box would ask for its own token first
    approved_author()
    url = live_server.url + digest.get_absolute_url()
    other = page.context.browser.new_context()
    local_page(other, live_server).goto(url)  # the first reader's visit stores the page
    other.close()

    response = page.goto(url)
    assert response.headers["x-page-cache"] == "hit"
    assert "public" in response.headers["cache-control"]
    assert "set-cookie" not in response.headers
    expect(token_field(page)).to_have_value("")
    assert "csrftoken" not in page.evaluate("document.cookie")

    with page.expect_response("**/csrf-token/"):
        field(page, "Comment").click()
    write(page, "Sent from a page every reader shares.")
    send(page)
    comment = stored("Sent from a page every reader shares.")
    assert comment.state == DigestComment.State.PUBLIC
    expect(page.locator(f"#c{comment.pk}")).to_contain_text("Sent from a page every reader")


def test_without_javascript_the_comment_comes_back_to_be_sent_again(browser, live_server, digest):
    approved_author()
    context = browser.new_context(java_script_enabled=False)
    page = local_page(context, live_server)
    url = live_server.url + digest.get_absolute_url()
    page.goto(url)
    page.goto(url)
    expect(token_field(page)).to_have_value("")

    write(page, "Typed in a browser without JavaScript.")
    send(page)
    expect(page.get_by_role("alert")).to_contain_text("no security token for this site yet")
    expect(field(page, "Comment")).to_have_value("Typed in a browser without JavaScript.")
    expect(field(page, "Name")).to_have_value("Ada Reader")
    assert not DigestComment.objects.exists()

    send(page)
    comment = stored("Typed in a browser without JavaScript.")
    expect(page.locator(f"#c{comment.pk}")).to_contain_text("Typed in a browser without")
    context.close()
