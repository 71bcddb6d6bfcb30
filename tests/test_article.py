"""A digest's page around its comments (head, body, tags, the links to its neighbours) is
drawn once per version for everyone and kept (blog.article); with no cache at all
(no_page_cache), whatever an editor changes in it shows on the next request: an item, a
related link typed in the admin, a tag, a category, the author's name, a neighbour
published at its scheduled time."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from blog.article import PARTS
from blog.models import Digest
from caching.models import Drawing
from tests import factories
from tests.test_admin import YOUTUBE, change_url, digest_post, errors_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def page(digest, **extra):
    response = Client().get(digest.get_absolute_url(), **extra)
    assert response.status_code == 200
    return response.content.decode()


def same_for_all(html):
    """The page without the lines of the comment form that differ per request."""
    return [line for line in html.splitlines() if "csrf" not in line and "hash" not in line]


def test_the_page_is_drawn_once_and_read_whole_after(drawn):
    digest = factories.make_digest("Minds and machines", items=3)
    first = page(digest)
    assert set(PARTS.values()) <= set(drawn())
    again = page(digest)
    made = drawn()
    assert not set(PARTS.values()) & set(made)
    assert "blog/_media_item.html" not in made
    assert "Minds and machines, item 3" in again
    assert 'rel="canonical"' in again
    strip = [line for line in first.splitlines() if "csrf" not in line and "hash" not in line]
    assert strip == [
        line for line in again.splitlines() if "csrf" not in line and "hash" not in line
    ]


def test_an_item_edited_or_deleted_shows_at_once():
    digest = factories.make_digest()
    item = factories.make_item(digest, title="Entropy, explained")
    gone = factories.make_item(digest, title="A talk on time", position=2)
    assert "Entropy, explained" in page(digest)
    item.title = "Entropy, explained again"
    item.save()
    gone.delete()
    seen = page(digest)
    assert "Entropy, explained again" in seen
    assert "A talk on time" not in seen


def test_a_related_link_typed_in_the_admin_shows_at_once(client, editor):
    # The admin stores the links typed in the item's textarea with bulk_create(), which
    # sends no signal: the item saved with them makes the new version.
    digest = factories.make_digest(slug="minds-and-machines")
    item = factories.make_item(digest, title="Talk", url=YOUTUBE)
    assert "The paper" not in page(digest)
    client.force_login(editor)
    fields = {"id": str(item.pk), "digest": str(digest.pk), "position": "1", "kind": "video"}
    data = digest_post(
        [
            {
                **fields,
                "title": "Talk",
                "url": YOUTUBE,
                "related_links": "The paper | https://arxiv.org/abs/1",
            }
        ],
        initial_forms=1,
        slug=digest.slug,
        status=Digest.Status.PUBLISHED,
        published_at_0=digest.published_at.strftime("%Y-%m-%d"),
        published_at_1=digest.published_at.strftime("%H:%M:%S"),
    )
    response = client.post(change_url(digest), data)
    assert response.status_code == 302, errors_of(response)
    digest.refresh_from_db()
    assert 'href="https://arxiv.org/abs/1"' in page(digest)


def header(html):
    return html.split('class="digest__header"')[1].split("</header>")[0]


def test_a_tag_given_and_renamed_shows_at_once():
    digest = factories.make_digest()
    tag = factories.make_tag("physics")
    assert "physics" not in page(digest)
    digest.tags.add(tag)
    assert 'rel="tag">physics</a>' in page(digest)
    tag.name = "cosmology"
    tag.save()
    assert 'rel="tag">cosmology</a>' in page(digest)


def test_a_category_given_and_renamed_shows_at_once():
    digest = factories.make_digest()
    category = factories.make_category("Science")
    assert "Science" not in header(page(digest))
    digest.categories.add(category)
    assert ">Science</a>" in header(page(digest))
    category.name = "Physics"
    category.save()
    assert ">Physics</a>" in header(page(digest))


def test_the_authors_new_name_shows_at_once(editor):
    digest = factories.make_digest(author=editor)
    editor.first_name, editor.last_name = "Ada", "Lovelace"
    editor.save()
    assert "by Ada Lovelace" in page(digest)
    editor.first_name = "Augusta"
    editor.save()
    assert "by Augusta Lovelace" in page(digest)


def test_a_scheduled_digest_becomes_the_next_link_when_its_time_comes(monkeypatch):
    digest = factories.make_digest("Older one", published_at=timezone.now() - timedelta(days=2))
    at = timezone.now() + timedelta(days=3)
    factories.make_digest("Newer one", published_at=at)
    assert 'rel="next"' not in page(digest)
    # Time passes: nothing is saved, and nothing is told.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=3, hours=1))
    seen = page(digest)
    assert 'rel="next"' in seen
    assert "Newer one" in seen.split('class="post-nav"')[1]


def test_each_address_it_is_served_at_has_its_own_drawing(settings):
    settings.ALLOWED_HOSTS = ["testserver", "blog.example", "www.blog.example"]
    digest = factories.make_digest()
    assert 'href="http://blog.example/' in page(digest, HTTP_HOST="blog.example")
    seen = page(digest, HTTP_HOST="www.blog.example")
    assert 'href="http://www.blog.example/' in seen
    assert "http://blog.example/" not in seen


def test_a_preview_is_drawn_for_its_request_and_kept_nowhere(admin_client):
    draft = factories.make_digest("Not yet", published=False, items=1)
    response = admin_client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 200
    assert "Preview: this digest is a draft" in response.content.decode()
    assert not Drawing.objects.filter(key__startswith=f"digest:{draft.pk}:").exists()
