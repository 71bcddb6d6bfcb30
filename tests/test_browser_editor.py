"""An editor in Debian's chromium: write a digest in the admin, reorder it, preview, publish."""

import re

import pytest
from django.urls import reverse

from blog.models import Digest
from tests import factories
from tests.admin_helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
TITLE = "Minds, machines and the cosmos"
VIDEO, PHOTO, ARTICLE = "What is consciousness?", "The telescope at dawn", "The hard problem"


def item_titles(page):
    """Titles of the saved items, in the order the page shows them."""
    return [
        field.input_value()
        for field in page.locator(
            "#media_items-group .inline-related.has_original input[name$='-title']"
        ).all()
    ]


def drag(page, handle, target):
    """Drag with small mouse steps, as a hand does.

    SortableJS moves items as the pointer passes them and ignores the pointer while an
    item is still sliding (150 ms), so the pointer pauses between steps.
    """
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + 60, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    goal = target.bounding_box()["y"] - 6
    while y > goal:
        y = max(goal, y - 40)
        page.mouse.move(x, y, steps=4)
        page.wait_for_timeout(60)
        goal = target.bounding_box()["y"] - 6
    page.wait_for_timeout(300)
    page.mouse.up()


def fill_item(page, index, kind, title, **fields):
    prefix = f"#id_media_items-{index}"
    page.locator(f"{prefix}-kind").select_option(kind)
    page.locator(f"{prefix}-title").fill(title)
    for name, value in fields.items():
        page.locator(f"{prefix}-{name}").fill(value)


def test_editor_writes_reorders_previews_and_publishes_a_digest(page, live_server):
    log_in(page, live_server)

    # Write: three items of three kinds, one with an uploaded image.
    page.goto(live_server.url + reverse("admin:blog_digest_add"))
    page.locator("#id_title").press_sequentially(TITLE)
    assert page.locator("#id_slug").input_value() == "minds-machines-and-the-cosmos"
    page.locator("#id_intro").fill("This week: minds, machines and the cosmos.")
    add_item = page.locator("#media_items-group .add-row a")
    add_item.click()
    add_item.click()
    fill_item(page, 0, "video", VIDEO, source="Max Tegmark at CBMM", url=YOUTUBE)
    fill_item(page, 1, "image", PHOTO, alt_text="A white dome under a pink sky")
    page.locator("#id_media_items-1-image").set_input_files(
        {"name": "dawn.jpg", "mimeType": "image/jpeg", "buffer": factories.image_bytes()}
    )
    fill_item(page, 2, "article", ARTICLE, url="https://example.com/hard-problem")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")
    assert item_titles(page) == [VIDEO, PHOTO, ARTICLE]
    digest = Digest.objects.get(title=TITLE)
    assert digest.media_items.get(title=PHOTO).image.name.endswith(".jpg")

    # Reorder: drag the article by its heading (sortable2's handle) above the video.
    # Each item form is tall; a tall window keeps the whole list in view while dragging.
    page.set_viewport_size({"width": 1280, "height": 4000})
    items = page.locator("#media_items-group .inline-related.has_original")
    drag(page, items.nth(2).locator("h3"), items.nth(0).locator("h3"))
    assert item_titles(page) == [ARTICLE, VIDEO, PHOTO]
    positions = page.locator("#media_items-group .inline-related.has_original input._reorder_")
    assert [field.input_value() for field in positions.all()] == ["1", "2", "3"]
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_selector(".messagelist .success")
    assert item_titles(page) == [ARTICLE, VIDEO, PHOTO]
    assert [i.title for i in digest.media_items.all()] == [ARTICLE, VIDEO, PHOTO]

    # Preview the draft in a new tab: readers cannot see it yet.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.get_by_role("heading", level=1).inner_text() == TITLE
    headings = preview.locator(".item__title").all_inner_texts()
    assert [re.sub(r"^\d+\.\s*", "", h) for h in headings] == [ARTICLE, VIDEO, PHOTO]
    preview.close()
    page.goto(live_server.url + reverse("blog:digest-list"))
    assert page.get_by_role("heading", name=TITLE).count() == 0
    page.go_back()

    # Publish now, with the admin's "Today" and "Now" shortcuts.
    page.locator("#id_status").select_option("published")
    page.locator(".field-published_at .datetimeshortcuts a", has_text="Today").click()
    page.locator(".field-published_at .datetimeshortcuts a", has_text="Now").click()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector(".messagelist .success")
    digest.refresh_from_db()
    assert digest.is_public

    # The reader's home page lists it with the items in the new order.
    page.goto(live_server.url + reverse("blog:digest-list"))
    card = page.locator("article", has=page.get_by_role("heading", name=TITLE))
    assert card.locator("ol li").all_inner_texts() == [ARTICLE, VIDEO, PHOTO]
