"""Cards, feed entries and a digest's items are drawn once per version and kept in the
database (caching.drawings). With no cache at all (no_page_cache), every change still
shows on the next request."""

import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from blog import feeds, fragments
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def text(client, url):
    return client.get(url).content.decode()


def pages_of(digest):
    return [reverse("blog:digest-list"), reverse("blog:feed"), digest.get_absolute_url()]


@pytest.fixture
def digest_with_items():
    digest = factories.make_digest("Entropy, explained")
    factories.make_item(digest, title="The second law", links=1)
    factories.make_item(digest, title="A paper", position=1)
    return digest


def test_cards_entries_and_items_are_drawn_once(client, digest_with_items, drawn):
    pages = [
        reverse("blog:digest-list"),
        reverse("blog:feed"),
        digest_with_items.get_absolute_url(),
    ]
    first = [text(client, url) for url in pages]
    made = drawn()
    assert made.count("blog/_digest_card.html") == 1
    assert made.count("blog/_digest_feed_content.html") == 1
    assert made.count("blog/_media_item.html") == 2

    again = [text(client, url) for url in pages]

    made = drawn()
    for name in ("blog/_digest_card.html", "blog/_digest_feed_content.html"):
        assert name not in made
    assert "blog/_media_item.html" not in made
    assert again[0] == first[0] and "The second law" in again[0]
    assert "The second law" in again[1] and "The second law" in again[2]


def test_an_edited_item_and_link_show_everywhere_at_once(client, digest_with_items):
    pages = [
        reverse("blog:digest-list"),
        reverse("blog:feed"),
        digest_with_items.get_absolute_url(),
    ]
    for url in pages:
        text(client, url)
    item = digest_with_items.media_items.get(title="The second law")
    item.title = "The third law"
    item.save()
    link = item.links.get()
    link.title = "A better paper"
    link.save()

    seen = [text(client, url) for url in pages]

    assert all("The third law" in page and "The second law" not in page for page in seen)
    assert "A better paper" in seen[1] and "A better paper" in seen[2]


def test_a_new_comment_counts_on_the_card(client, digest_with_items):
    home = reverse("blog:digest-list")
    assert "Leave a comment" in text(client, home)

    factories.make_comment(digest_with_items, "First!")

    assert "1 comment" in text(client, home)


def test_a_changed_template_draws_the_cards_again(client, digest_with_items, settings, tmp_path):
    home = reverse("blog:digest-list")
    assert 'class="card v2"' not in text(client, home)
    card = Path(settings.BASE_DIR, "templates", "blog", "_digest_card.html")
    changed = tmp_path / "blog" / "_digest_card.html"
    changed.parent.mkdir()
    shutil.copy(card, changed)
    changed.write_text(changed.read_text().replace('class="card"', 'class="card v2"'))
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [str(tmp_path), *engine["DIRS"]]}]
    fragments.sources_version.cache_clear()  # as a restart after a deploy does
    try:
        assert 'class="card v2"' in text(client, home)
    finally:
        fragments.sources_version.cache_clear()


def test_a_renamed_digest_and_a_changed_intro_show_in_the_feed_at_once(client, digest_with_items):
    feed = reverse("blog:feed")
    assert "Entropy, explained" in text(client, feed)
    digest_with_items.title = "Entropy, revisited"
    digest_with_items.intro = "A *new* opening."
    digest_with_items.save()

    seen = text(client, feed)

    assert "Entropy, explained" not in seen
    assert "Read “Entropy, revisited” on the site" in seen
    assert "A &lt;em&gt;new&lt;/em&gt; opening." in seen


def test_a_reordered_or_removed_item_shows_in_the_feed_at_once(client, digest_with_items):
    feed = reverse("blog:feed")
    first = text(client, feed)
    assert first.index("The second law") < first.index("A paper")
    moved = digest_with_items.media_items.get(title="The second law")
    moved.position = 5
    moved.save()

    reordered = text(client, feed)
    digest_with_items.media_items.filter(title="A paper").delete()
    removed = text(client, feed)

    assert reordered.index("A paper") < reordered.index("The second law")
    assert "A paper" not in removed and "The second law" in removed


def test_an_entry_with_an_image_is_drawn_once(client, drawn):
    digest = factories.make_digest("Pictures")
    image = factories.image_upload("dot.jpg")
    factories.make_item(digest, kind="image", image=image, alt_text="A dot", links=1)
    feed = reverse("blog:feed")
    first = text(client, feed)
    assert drawn().count("blog/_digest_feed_content.html") == 1

    assert text(client, feed) == first
    assert "blog/_digest_feed_content.html" not in drawn()
    assert "A dot" in first


def test_a_new_comment_draws_no_feed_entry_again(client, digest_with_items, drawn):
    feed = reverse("blog:feed")
    before = text(client, feed)
    assert drawn().count("blog/_digest_feed_content.html") == 1

    factories.make_comment(digest_with_items, "First!")
    digest_with_items.refresh_from_db()
    assert digest_with_items.comment_count == 1  # what the version leaves out did change

    assert text(client, feed) == before
    assert "blog/_digest_feed_content.html" not in drawn()


def test_an_edit_saved_while_an_entry_is_drawn_shows_next_and_is_never_kept_wrong(
    client, digest_with_items, monkeypatch
):
    """An editor saves while a reader's request is drawing the entry: whatever that request
    showed, the next ones show the item as it is, also once it is put back as it was."""
    feed = reverse("blog:feed")
    item = digest_with_items.media_items.get(title="The second law")
    items = feeds.EntrySources.items

    def edited_meanwhile(sources, digest):
        item.title = "An edit in between"
        item.save()
        return items(sources, digest)

    monkeypatch.setattr(feeds.EntrySources, "items", edited_meanwhile)
    text(client, feed)
    monkeypatch.undo()
    edited = text(client, feed)
    item.title = "The second law"
    item.save()

    put_back = text(client, feed)

    assert "An edit in between" in edited and "The second law" not in edited
    assert "The second law" in put_back and "An edit in between" not in put_back


def test_a_card_shows_a_renamed_category_and_item_at_once(client, digest_with_items):
    home = reverse("blog:digest-list")
    category = factories.make_category("Physics")
    digest_with_items.categories.add(category)
    assert "Physics" in text(client, home).split('class="sidebar"')[0]
    category.name = "Cosmology"
    category.save()
    item = digest_with_items.media_items.get(title="A paper")
    item.title = "A better paper"
    item.save()

    cards = text(client, home).split('class="sidebar"')[0]

    assert "Cosmology" in cards and "Physics" not in cards
    assert f'href="{digest_with_items.get_absolute_url()}#item-{item.pk}">A better paper' in cards
