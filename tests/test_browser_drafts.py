"""Never lose work, in Debian's chromium: autosave and restore after closing the tab,
comparing and restoring revisions, the live preview, the unsaved-changes warning."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from blog.drafts import Autosave
from blog.models import Digest, LibraryImage
from tests import factories
from tests.admin_helpers import fill_log_in, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADD_URL = reverse("admin:blog_digest_add")


def only_local(page, live_server):
    """The same rule as the `page` fixture, for a tab opened during the test."""

    def route(request_route):
        if request_route.request.url.startswith(live_server.url):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.set_default_timeout(15_000)
    return page


def live_server_headers(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/") as response:  # noqa: S310 (loopback)
        return dict(response.headers)


def wait_for(page, condition, seconds=15):
    """Poll the database while the page runs (page.wait_for_timeout, not time.sleep: the
    page's requests pass through this process's route handler)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        page.wait_for_timeout(200)
    raise AssertionError("waited in vain")


def autosaved_image():
    """The library id an autosave names for the first item's image, once there is one."""
    autosave = Autosave.objects.filter(digest=None).first()
    pairs = dict(autosave.data) if autosave else {}
    return pairs.get("media_items-0-library_image")


def test_closing_the_tab_mid_edit_loses_nothing_not_even_the_image(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url + ADD_URL)
    page.locator("#id_title").press_sequentially("Half-written digest")
    page.locator("#id_intro").fill("Typed, never saved.")
    page.locator("#id_media_items-0-kind").select_option("image")
    page.locator("#id_media_items-0-title").fill("The telescope at dawn")
    page.locator("#id_media_items-0-alt_text").fill("A white dome under a pink sky")
    page.locator("#id_media_items-0-image").set_input_files(
        {"name": "dawn.jpg", "mimeType": "image/jpeg", "buffer": factories.image_bytes()}
    )
    library_id = wait_for(page, autosaved_image)
    page.wait_for_selector(".autosave-status:has-text('Autosaved at')")
    page.close(run_before_unload=False)  # as a crash would: no chance to save

    tab = only_local(page.context.new_page(), live_server)
    tab.goto(live_server.url + ADD_URL)
    offer = tab.get_by_role("alert")
    assert "Restore autosaved version?" in offer.inner_text()
    assert tab.locator("#id_title").input_value() == ""
    offer.get_by_role("button", name="Restore it").click()
    assert tab.locator("#id_title").input_value() == "Half-written digest"
    assert tab.locator("#id_intro").input_value() == "Typed, never saved."
    assert tab.locator("#id_media_items-0-title").input_value() == "The telescope at dawn"
    assert tab.locator("#id_media_items-0-library_image").input_value() == library_id
    assert "dawn.jpg" in tab.locator("#id_media_items-0-library_image option:checked").inner_text()
    tab.get_by_role("button", name="Save and continue editing").click()
    tab.wait_for_selector(".messagelist .success")

    digest = Digest.objects.get(title="Half-written digest")
    item = digest.media_items.get()
    assert item.image.name == LibraryImage.objects.get(pk=library_id).file.name
    assert tab.locator(".field-thumbnail img").count() == 1
    assert not Autosave.objects.exists()  # saved: nothing left to offer
    assert tab.get_by_role("alert").count() == 0


def test_an_editor_compares_two_revisions_and_restores_the_older(page, live_server):
    log_in(page, live_server)
    page.goto(live_server.url + ADD_URL)
    page.locator("#id_title").press_sequentially("Minds and machines")
    page.locator("#id_media_items-0-kind").select_option("article")
    page.locator("#id_media_items-0-title").fill("First take")
    page.locator("#id_media_items-0-url").fill("https://example.com/first")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")
    page.locator("#id_title").fill("Minds, machines and more")
    page.locator("#id_media_items-0-title").fill("Second take")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")

    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name="Compare the chosen versions").click()
    page.wait_for_url("**/history/compare/?*")
    changes = page.locator(".version-compare")
    assert changes.locator("del", has_text="First").count() == 1
    assert changes.locator("ins", has_text="Second").count() == 1
    assert "changed" in changes.locator(".compare-item h3").inner_text()
    page.locator("#restore-older").click()
    page.wait_for_url("**/history/*/")
    assert page.locator("#id_title").input_value() == "Minds and machines"
    assert page.locator("#id_media_items-0-title").input_value() == "First take"
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector(".messagelist .success")

    digest = Digest.objects.get()
    assert digest.title == "Minds and machines"
    assert [i.title for i in digest.media_items.all()] == ["First take"]


def test_the_live_preview_follows_the_typing(page, live_server):
    # Under the site's Content-Security-Policy, with nothing refused (the frame inherits it).
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    log_in(page, live_server)
    page.goto(live_server.url + ADD_URL)
    page.get_by_role("button", name="Show live preview").click()
    preview = page.frame_locator("#digest-live-preview iframe")
    page.locator("#id_title").press_sequentially("Not saved yet")
    expect(preview.locator("h1")).to_have_text("Not saved yet")
    page.locator("#id_intro").press_sequentially("Some **bold** words <b onclick=x>")
    expect(preview.locator(".intro strong")).to_have_text("bold")
    assert "onclick" not in preview.locator(".intro").inner_html()
    page.locator("#id_media_items-0-kind").select_option("article")
    page.locator("#id_media_items-0-title").press_sequentially("The hard problem")
    preview.locator(".item__title", has_text="The hard problem").wait_for()
    assert "readers cannot see it yet" in preview.locator(".notice").inner_text()
    assert not Digest.objects.exists()
    assert page.evaluate("window.__csp") == []
    assert "Content-Security-Policy" in live_server_headers(live_server)


def test_leaving_with_unsaved_changes_asks_first(page, live_server):
    log_in(page, live_server)
    digest = factories.make_digest("Draft", published=False)
    page.goto(live_server.url + reverse("admin:blog_digest_change", args=[digest.pk]))
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.goto(live_server.url + "/")  # nothing changed: leaves without asking
    assert asked == []
    page.go_back()
    page.locator("#id_title").press("End")
    page.locator("#id_title").press_sequentially(", edited")
    page.evaluate("location.href = '/'")
    wait_for(page, lambda: asked)
    assert asked == ["beforeunload"]
    assert re.search(r"/admin/blog/digest/\d+/change/", page.url)
    # Saving is not leaving with unsaved changes.
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")
    assert asked == ["beforeunload"]
    digest.refresh_from_db()
    assert digest.title == "Draft, edited"


def test_after_the_session_expires_the_autosave_is_offered_on_logging_in_again(page, live_server):
    from django.contrib.sessions.models import Session

    log_in(page, live_server)
    digest = factories.make_digest("Draft", published=False)
    change = live_server.url + reverse("admin:blog_digest_change", args=[digest.pk])
    page.goto(change)
    page.locator("#id_intro").press_sequentially("Written before the session expired.")
    wait_for(page, lambda: Autosave.objects.filter(digest=digest).exists())
    Session.objects.all().delete()  # the session expires
    page.locator("#id_intro").press_sequentially(" And after.")
    expect(page.locator(".autosave-status")).to_contain_text("you are logged out")

    tab = only_local(page.context.new_page(), live_server)
    tab.goto(change)  # the admin asks to log in again
    fill_log_in(tab)
    tab.wait_for_url(f"**{reverse('admin:blog_digest_change', args=[digest.pk])}")
    tab.get_by_role("alert").get_by_role("button", name="Restore it").click()
    assert tab.locator("#id_intro").input_value().startswith("Written before the session expired.")
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.wait_for_selector(".messagelist .success")
    digest.refresh_from_db()
    assert digest.intro.startswith("Written before the session expired.")
