"""Cards, feed entries and a digest's items are drawn once per version and kept in the
database (caching.drawings). With no cache at all (no_page_cache), every change still
shows on the next request."""

import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from blog import fragments
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
