"""Pages cost a fixed number of queries, however many digests, items and links they show."""

import pytest
from django.urls import reverse

from blog.models import MediaItem
from tests import factories

# Rendered every time: a cached page would cost no query at all.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def seed(digests, items=5):
    category = factories.make_category("Science")
    tag = factories.make_tag("physics")
    made = []
    for n in range(digests):
        digest = factories.make_digest(f"Digest {n}")
        digest.categories.add(category)
        digest.tags.add(tag)
        for i in range(items):
            kind = MediaItem.Kind.VIDEO if i % 2 else MediaItem.Kind.ARTICLE
            factories.make_item(digest, kind=kind, position=i, links=2)
        made.append(digest)
    return made


# Home: the site's version, and in one query the menu and sidebar (blog.chrome) and the
# page of the list (blog.cards.listed) as drawn before (caching.drawings).
HOME_QUERIES = 2
# The first reader of a list after a new site version counts its digests (blog.views:
# kept per site version in each process).
COUNT = 1
# The first reader of a page of a list after a new site or counts version reads its
# digests and looks up their cards as drawn before, then stores the page drawn whole.
LISTED = 3
# The first reader of a list after an edit draws its cards again from their categories
# and items, read as rows.
CARDS = 2
# Digest: digest, the site's version, in one query its page's parts (blog.article), the
# menu and sidebar and the comments as drawn before, its likes and its webmentions as
# kept in the shared counters (likes.summary, mentions.shown: a database table in tests).
DIGEST_QUERIES = 5
# The first reader of a digest's page after an edit draws its parts again: they read its
# items, links, categories, tags, the digests before and after it and the items as drawn
# before, and store the items drawn.
ARTICLE = 8
# The first reader after a new site version reads the sign-in providers configured in the
# admin (accounts.adapters: kept per site version in each process).
PROVIDERS = 1
# The first reader of a page draws what was never drawn, and stores it in one more query.
DRAWING = 1
# The first reader of a new site version reads the menu's links, the months and the
# categories in use, and stores the menu and the sidebar drawn (blog.chrome).
CHROME = 4
# The first reader of a digest page finds no thread drawn (comments.tally): they read the
# comments, draw the thread and store it.
THREAD = 2
# The first reader of a digest page reads its likes and webmentions (one query each) and
# keeps them in the shared counters, which in tests are a database table: a write there
# costs five queries (Django's DatabaseCache: a count, a select and an insert in a
# savepoint).
KEPT_IN_COUNTERS = 2 * (1 + 5)


@pytest.mark.parametrize("digests", [3, 10])
def test_home_page_query_count(client, django_assert_num_queries, digests):
    made = seed(digests)
    with django_assert_num_queries(HOME_QUERIES + COUNT + LISTED + CARDS + DRAWING + CHROME):
        client.get(reverse("blog:digest-list"))
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("blog:digest-list"))
    assert response.content.decode().count('class="card"') == digests
    # A comment: the page is drawn again from its cards, one of them drawn again.
    factories.make_comment(made[0])
    with django_assert_num_queries(HOME_QUERIES + LISTED + CARDS + DRAWING):
        response = client.get(reverse("blog:digest-list"))
    assert "1 comment" in response.content.decode()


@pytest.mark.parametrize("items", [1, 5])
def test_digest_page_query_count(client, django_assert_num_queries, items):
    digests = seed(3, items=items)
    first_reader = DIGEST_QUERIES + ARTICLE + PROVIDERS + DRAWING + CHROME + THREAD
    with django_assert_num_queries(first_reader + KEPT_IN_COUNTERS):
        client.get(digests[1].get_absolute_url())
    with django_assert_num_queries(DIGEST_QUERIES):
        response = client.get(digests[1].get_absolute_url())
    assert response.content.decode().count('class="item item--') == items


# Feed: digests, the site's version, the whole feed as written before (blog.feeds).
FEED_QUERIES = 3
# A feed written again looks up its entries' contents as drawn before, reads the names of
# its digests' categories and tags, and stores what it wrote.
FEED_AGAIN = 4
# Entries drawn again are drawn from their items' and links' rows.
ENTRY_ROWS = 2


@pytest.mark.parametrize("digests", [3, 10])
def test_feed_query_count(client, django_assert_num_queries, digests):
    made = seed(digests)
    # The Sites row is cached per process after the first, and the entries stored.
    client.get(reverse("blog:feed"))
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(reverse("blog:feed"))
    assert response.content.decode().count("<item>") == digests
    # An item edited in each of two digests: their entries drawn again and stored.
    for digest in made[:2]:
        item = digest.media_items.first()
        item.title = "Edited"
        item.save()
    with django_assert_num_queries(FEED_QUERIES + FEED_AGAIN + ENTRY_ROWS + DRAWING):
        response = client.get(reverse("blog:feed"))
    assert response.content.decode().count("&lt;h2&gt;Edited&lt;/h2&gt;") == 2


@pytest.mark.parametrize("comments", [2, 30])
def test_digest_page_with_comments_query_count(client, django_assert_num_queries, comments):
    digest = seed(1)[0]
    parent = None
    for n in range(comments):
        parent = factories.make_comment(digest, f"Comment {n}", parent=parent if n % 3 else None)
    # The first reader also draws every comment (their rows as models, then one update to
    # store them); the next ones read the thread whole in place of the comments.
    first_reader = DIGEST_QUERIES + ARTICLE + PROVIDERS + DRAWING + CHROME + THREAD
    with django_assert_num_queries(first_reader + KEPT_IN_COUNTERS + 2):
        client.get(digest.get_absolute_url())
    with django_assert_num_queries(DIGEST_QUERIES):
        response = client.get(digest.get_absolute_url())
    assert response.content.decode().count('class="comment"') == comments
