"""The Content-Security-Policy in Debian's chromium: readers' pages, the video facade,
the admin and the 503 page run without a single violation, and inline script is refused."""

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from blog.models import Digest
from tests.admin_helpers import log_in
from tests.comment_helpers import approved_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_TITLE = "Connections between physics and deep learning"

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${where})`);
});
"""


@pytest.fixture
def watched(page):
    """The browser page, reporting every CSP violation in `page.violations()`."""
    page.add_init_script(COLLECT)
    page.violations = lambda: page.evaluate("window.__csp || []")
    return page


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Digest.objects.get(title=DEMO_TITLE)


def test_reader_pages_and_the_video_player_run_under_the_policy(watched, live_server, demo):
    page = watched
    response = page.goto(live_server.url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.violations() == []

    page.goto(live_server.url + demo.get_absolute_url())
    # JSON-LD is a data block: present, and not refused.
    assert page.locator('script[type="application/ld+json"]').count() == 1
    page.get_by_role("link", name="Play video: My Neurons, My Self", exact=False).click()
    frame = page.locator("iframe").first
    frame.wait_for(state="attached")
    assert frame.get_attribute("src").startswith(
        ("https://www.youtube-nocookie.com/", "https://player.vimeo.com/")
    )
    page.wait_for_timeout(300)
    assert page.violations() == []

    # A comment with its avatar, then the reply form moved under it by site.js.
    approved_author()
    page.get_by_role("textbox", name="Comment", exact=True).fill("Physics under a strict CSP.")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ada Reader")
    page.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("Physics under a strict CSP.").wait_for()
    page.locator(".comment__reply").first.click()
    assert "Reply to Ada Reader" in page.locator("#reply-title").inner_text()
    assert page.violations() == []

    # The policy is enforced: a script injected inline is refused.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.violations())


def test_admin_runs_under_the_policy(watched, live_server, demo):
    page = watched
    log_in(page, live_server)

    for url in (
        reverse("admin:blog_digest_changelist"),
        reverse("admin:blog_digest_change", args=[demo.pk]),
        reverse("admin:comments_digestcomment_changelist"),
        reverse("admin:composer_savedlink_changelist"),
        reverse("composer:save") + "?url=https://example.org/a",
    ):
        page.goto(live_server.url + url)
        assert page.violations() == [], url
    # The bookmarklet clicked on our own page explains itself instead of running.
    page.goto(live_server.url + reverse("admin:composer_savedlink_changelist"))
    page.get_by_role("link", name="Add to next digest").click()
    page.get_by_text("drag it there first").wait_for()
    assert page.violations() == []
    # The item thumbnails keep their size without a style attribute (static/blog/admin.css).
    page.goto(live_server.url + reverse("admin:blog_digest_change", args=[demo.pk]))
    assert page.locator(".item-thumbnail").first.evaluate("e => getComputedStyle(e).maxWidth") == (
        "160px"
    )

    page.goto(live_server.url + reverse("admin:blog_digest_add"))
    page.locator("#id_title").press_sequentially("A digest typed under CSP")
    # Slug filled from the title and inline rows added: the admin's scripts ran.
    assert page.locator("#id_slug").input_value() == "a-digest-typed-under-csp"
    rows = page.locator("#media_items-group .inline-related:not(.empty-form)").count()
    page.locator("#media_items-group .add-row a").click()
    assert page.locator("#media_items-group .inline-related:not(.empty-form)").count() == rows + 1
    assert page.violations() == []


def test_503_page_is_styled_under_the_policy(watched, live_server, client):
    page = watched
    policy = client.get("/").headers["Content-Security-Policy"]
    page.route(
        "**/down",
        lambda route: route.fulfill(
            status=503,
            body=render_to_string("503.html"),
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy},
        ),
    )
    page.goto(live_server.url + "/down")
    assert page.get_by_role("heading", level=1).inner_text() == "Back in a moment"
    # Its inline <style> (allowed by hash) applied: 36rem wide at most.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "576px"
    assert page.violations() == []
