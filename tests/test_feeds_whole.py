"""The whole feed is written once per version and kept (blog.feeds): whatever it shows
besides its entries' contents still changes on the next request."""

from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse

from caching.models import Drawing
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def feed(client, name="blog:feed", **extra):
    response = client.get(reverse(name), **extra)
    assert response.status_code == 200
    return response


def test_a_feed_is_written_once_and_read_whole_after(client, django_assert_num_queries):
    factories.make_digest("Entropy, explained", items=2)
    first = feed(client).content
    assert Drawing.objects.filter(key="feed:LatestDigestsFeed:").exists()
    with django_assert_num_queries(3):  # digests, the site's version, the feed
        assert feed(client).content == first
    assert b"Entropy, explained" in first


def test_the_authors_new_name_shows_at_once(client, editor):
    factories.make_digest(author=editor)
    editor.first_name, editor.last_name = "Ada", "Lovelace"
    editor.save()
    assert "Ada Lovelace" in feed(client).content.decode()
    editor.first_name = "Augusta"
    editor.save()
    seen = feed(client).content.decode()
    assert "Augusta Lovelace" in seen
    assert "Ada Lovelace" not in seen


def test_categories_and_tags_given_or_renamed_show_at_once(client):
    digest = factories.make_digest()
    category, tag = factories.make_category("Science"), factories.make_tag("physics")
    assert "<category>" not in feed(client).content.decode()
    digest.categories.add(category)
    digest.tags.add(tag)
    assert "<category>Science</category><category>physics</category>" in (
        feed(client).content.decode()
    )
    category.name = "Physics"
    category.save()
    tag.name = "thermodynamics"
    tag.save()
    seen = feed(client).content.decode()
    assert "<category>Physics</category><category>thermodynamics</category>" in seen
    assert "Science" not in seen


def test_a_new_digest_shows_and_each_feed_keeps_its_own(client):
    factories.make_digest("The first")
    rss, atom = feed(client).content.decode(), feed(client, "blog:atom-feed").content.decode()
    assert "<rss" in rss and "<feed" in atom
    factories.make_digest("The second")
    assert "The second" in feed(client).content.decode()
    assert "The second" in feed(client, "blog:atom-feed").content.decode()
    category = factories.make_category("Science")
    in_it = factories.make_digest("Only here")
    in_it.categories.add(category)
    url = reverse("blog:category-feed", kwargs={"slug": category.slug})
    seen = client.get(url).content.decode()
    assert "Only here" in seen and "The second" not in seen
    assert "Only here" in feed(client).content.decode()


def test_last_modified_is_the_latest_digests_date(client):
    older = factories.make_digest()
    newer = factories.make_digest()
    newest = max(older.updated_at, newer.updated_at, older.published_at, newer.published_at)
    for _ in range(2):  # written, then read as written
        sent = parsedate_to_datetime(feed(client)["Last-Modified"])
        assert sent == newest.replace(microsecond=0)


def test_a_feed_asked_for_over_https_names_https_addresses(client):
    factories.make_digest()
    here = feed(client).content.decode()
    assert "http://testserver/" in here
    # The Sites row names the domain; the scheme follows the request.
    secure = feed(client, secure=True).content.decode()
    assert "https://" in secure and "http://testserver/" not in secure
