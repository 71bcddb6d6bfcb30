from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Digest, MediaItem
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_lists_digests_with_numbered_item_titles(client):
    digest = factories.make_digest("Physics and deep learning", items=3)
    page = client.get(reverse("blog:digest-list")).content.decode()
    assert "Physics and deep learning" in page
    titles = [f"Physics and deep learning, item {n}" for n in (1, 2, 3)]
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    assert f'href="{digest.get_absolute_url()}"' in page


def test_drafts_and_scheduled_digests_are_hidden(client):
    factories.make_digest("A draft", published=False)
    factories.make_digest("Scheduled", published_at=timezone.now() + timedelta(days=1))
    page = client.get(reverse("blog:digest-list")).content.decode()
    assert "A draft" not in page and "Scheduled" not in page
    scheduled = Digest.objects.get(title="Scheduled")
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    for url in (reverse("blog:feed"), reverse("blog:atom-feed"), reverse("blog:sitemap")):
        assert "Scheduled" not in client.get(url).content.decode()
        assert scheduled.slug not in client.get(url).content.decode()


def test_scheduled_digest_appears_when_its_time_comes(client):
    digest = factories.make_digest("Later", published_at=timezone.now() + timedelta(minutes=5))
    assert client.get(digest.get_absolute_url()).status_code == 404
    Digest.objects.filter(pk=digest.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    digest.refresh_from_db()
    assert client.get(digest.get_absolute_url()).status_code == 200


def test_permalink_is_wordpress_style_and_zero_padded(client):
    when = timezone.make_aware(timezone.datetime(2017, 1, 5, 12, 0))
    digest = factories.make_digest("Old post", slug="old-post", published_at=when)
    assert digest.get_absolute_url() == "/2017/01/05/old-post/"
    assert client.get("/2017/01/05/old-post/").status_code == 200


def test_wrong_date_redirects_to_the_permalink(client):
    when = timezone.make_aware(timezone.datetime(2017, 1, 5, 12, 0))
    factories.make_digest("Old post", slug="old-post", published_at=when)
    response = client.get("/2017/01/06/old-post/")
    assert response.status_code == 301
    assert response["Location"] == "/2017/01/05/old-post/"


def test_digest_page_shows_items_in_order_with_toc_and_anchors(client):
    digest = factories.make_digest("Digest", items=0)
    video = factories.make_item(digest, position=2, title="Second video", source="Minute Physics")
    article = factories.make_item(
        digest, kind=MediaItem.Kind.ARTICLE, position=1, title="First article"
    )
    factories.make_item(digest, kind=MediaItem.Kind.PAPER, position=3, title="Third paper", links=2)
    page = client.get(digest.get_absolute_url()).content.decode()
    assert page.index("First article") < page.index("Second video") < page.index("Third paper")
    assert f'href="#{video.anchor}"' in page and f'id="{video.anchor}"' in page
    assert f'id="{article.anchor}"' in page
    assert "Minute Physics" in page
    assert "Paper 1" in page and "https://arxiv.org/abs/1" in page
    assert "<strong>emphasis</strong>" in page


def test_video_renders_as_facade_without_third_party_requests(client):
    digest = factories.make_digest("Digest")
    factories.make_item(digest, title="Talk", url="https://youtu.be/dQw4w9WgXcQ?t=30")
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?' in page
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=30s"' in page
    assert '<span class="visually-hidden">Play video: Talk (YouTube)</span>' in page
    # Nothing is loaded from the video host before a click: no iframe, no hot-linked thumbnail.
    assert "<iframe" not in page
    assert "ytimg.com" not in page and "vimeocdn" not in page


def test_unknown_url_renders_as_link_card(client):
    digest = factories.make_digest("Digest")
    factories.make_item(
        digest, kind=MediaItem.Kind.ARTICLE, title="An essay", url="https://example.org/essay"
    )
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'class="link-card"' in page and 'href="https://example.org/essay"' in page


def test_previous_and_next_links(client):
    older = factories.make_digest("Older", published_at=timezone.now() - timedelta(days=2))
    middle = factories.make_digest("Middle", published_at=timezone.now() - timedelta(days=1))
    newer = factories.make_digest("Newer", published_at=timezone.now() - timedelta(hours=1))
    page = client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{older.get_absolute_url()}"' in page
    assert f'rel="next" href="{newer.get_absolute_url()}"' in page


def test_home_is_paginated(client, settings):
    for n in range(12):
        factories.make_digest(f"Digest {n:02d}", published_at=timezone.now() - timedelta(days=n))
    first = client.get(reverse("blog:digest-list")).content.decode()
    second = client.get(reverse("blog:digest-list"), {"page": 2}).content.decode()
    assert "Digest 00" in first and "Digest 11" not in first
    assert "Digest 11" in second and "Digest 00" not in second
    assert 'rel="next"' in first
    assert client.get(reverse("blog:digest-list"), {"page": 99}).status_code == 404


def test_year_and_month_archives(client):
    when = timezone.make_aware(timezone.datetime(2018, 3, 14, 12, 0))
    factories.make_digest("Pi day", published_at=when)
    factories.make_digest("Other year", published_at=when.replace(year=2019))
    year = client.get(reverse("blog:archive-year", kwargs={"year": 2018})).content.decode()
    month = client.get("/2018/03/").content.decode()
    assert "Pi day" in year and "Other year" not in year
    assert "Pi day" in month and "March 2018" in month
    assert client.get("/2018/04/").status_code == 404


def test_category_page_includes_subcategories_and_tag_page(client):
    science = factories.make_category("Science")
    physics = factories.make_category("Physics", parent=science)
    tag = factories.make_tag("brains")
    in_child = factories.make_digest("Deep physics")
    in_child.categories.add(physics)
    in_child.tags.add(tag)
    factories.make_digest("Uncategorised")
    page = client.get(science.get_absolute_url()).content.decode()
    assert "Deep physics" in page and "Uncategorised" not in page
    page = client.get(tag.get_absolute_url()).content.decode()
    assert "Deep physics" in page and "Uncategorised" not in page
    assert client.get("/category/nope/").status_code == 404


def test_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Search digests" in response.content.decode()


def test_draft_preview_is_staff_only_and_not_cached(client, editor):
    draft = factories.make_digest("Secret draft", published=False)
    url = draft.get_absolute_url()
    assert url == reverse("blog:digest-preview", kwargs={"pk": draft.pk})
    assert client.get(url).status_code == 404
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert "Secret draft" in response.content.decode()
    assert "a draft and readers cannot see it yet" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    assert 'name="robots" content="noindex' in response.content.decode()


def test_staff_can_open_a_scheduled_digest_at_its_permalink(client, editor):
    digest = factories.make_digest("Tomorrow", published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    response = client.get(digest.get_absolute_url())
    assert response.status_code == 200
    assert "scheduled for" in response.content.decode()


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_assets_are_served_locally(client):
    factories.make_digest("Digest", items=2)
    page = client.get(reverse("blog:digest-list")).content.decode()
    for attribute in ('src="http', "src='http", 'href="//', '<link rel="stylesheet" href="http'):
        assert attribute not in page
