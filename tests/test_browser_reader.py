"""A reader in Debian's chromium: home page, demo digest, video facade, accessibility."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from blog.models import Digest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_TITLE = "Connections between physics and deep learning"


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Digest.objects.get(title=DEMO_TITLE)


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_reader_follows_the_demo_digest_and_plays_a_video(page, live_server, demo):
    page.goto(live_server.url + reverse("blog:digest-list"))
    page.get_by_role("link", name=DEMO_TITLE).first.click()
    page.wait_for_url(f"**{demo.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == DEMO_TITLE
    toc = page.locator(".toc li").all_inner_texts()
    assert toc[:2] == ["Connections between physics and deep learning", "My Neurons, My Self"]
    assert page.locator("iframe").count() == 0

    play = page.get_by_role("link", name="Play video: My Neurons, My Self", exact=False)
    play.click()
    frame = page.locator(f"#item-{demo.media_items.get(position=1).pk} iframe")
    frame.wait_for(state="attached")
    src = frame.get_attribute("src")
    assert src.startswith("https://www.youtube-nocookie.com/embed/") or src.startswith(
        "https://player.vimeo.com/video/"
    )
    assert frame.get_attribute("title") == "My Neurons, My Self"
    # The player was requested only after the click, and the request never left the machine.
    assert any("youtube-nocookie.com" in url or "vimeo.com" in url for url in page.blocked_requests)


def test_video_facade_is_a_plain_link_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    page.goto(live_server.url + demo.get_absolute_url())
    link = page.locator(".video__link").first
    assert link.get_attribute("href").startswith(
        ("https://www.youtube.com/watch", "https://vimeo.com/")
    )
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_and_digest_have_no_serious_accessibility_violations(page, live_server, demo, scheme):
    page.emulate_media(color_scheme=scheme)
    for url in (reverse("blog:digest-list"), demo.get_absolute_url()):
        page.goto(live_server.url + url)
        assert serious_violations(page) == [], url


def test_dark_scheme_follows_the_system(page, live_server, demo):
    backgrounds = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(live_server.url + reverse("blog:digest-list"))
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(21, 23, 26)"}


def test_skip_link_moves_focus_to_the_content(page, live_server, demo):
    page.goto(live_server.url + reverse("blog:digest-list"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
