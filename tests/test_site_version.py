"""What each process keeps per site version (blog.siteversion.kept): the number of digests
on a list, and the sign-in providers. Readers see every change at once."""

import time
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.sites.models import Site
from django.test import Client
from django.utils import timezone

from blog.models import Digest
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]
PAGES_OF_TWO = "Page 1 of 2"


def page(path):
    response = Client().get(path)
    return response.status_code, response.content.decode()


def test_a_lists_count_follows_digests_published_and_deleted():
    made = [factories.make_digest() for _ in range(settings.BLOG_PAGE_SIZE)]
    assert PAGES_OF_TWO not in page("/")[1]
    assert page("/?page=2")[0] == 404
    factories.make_digest()
    assert PAGES_OF_TWO in page("/")[1]
    assert page("/?page=2")[0] == 200
    made[0].delete()
    assert PAGES_OF_TWO not in page("/")[1]
    assert page("/?page=2")[0] == 404
    made[1].status = Digest.Status.DRAFT
    made[1].save()
    assert page("/")[1].count('class="card"') == settings.BLOG_PAGE_SIZE - 1


def test_a_scheduled_digest_counts_once_its_time_comes():
    for _ in range(settings.BLOG_PAGE_SIZE):
        factories.make_digest()
    soon = timezone.now() + timedelta(seconds=1)
    factories.make_digest("Scheduled", published_at=soon)
    assert PAGES_OF_TWO not in page("/")[1]
    time.sleep(max(0, (soon - timezone.now()).total_seconds()) + 0.1)
    status, home = page("/")
    assert PAGES_OF_TWO in home
    assert "Scheduled" in home


def test_each_list_counts_its_own_digests():
    category = factories.make_category("Science")
    for n in range(settings.BLOG_PAGE_SIZE + 1):
        digest = factories.make_digest()
        if n < 3:
            digest.categories.add(category)
    assert PAGES_OF_TWO in page("/")[1]
    status, listed = page(category.get_absolute_url())
    assert listed.count('class="card"') == 3
    assert PAGES_OF_TWO not in listed
    # A digest moved into the category: its list grows at once.
    for digest in Digest.objects.exclude(categories=category)[:8]:
        digest.categories.add(category)
    assert PAGES_OF_TWO in page(category.get_absolute_url())[1]


def make_app(name):
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="corp", name=name, client_id="blog",
        secret="s3cret", settings={"server_url": "http://127.0.0.1:9"},
    )  # fmt: skip
    app.sites.add(Site.objects.get_current())
    return app


def test_a_provider_renamed_or_deleted_shows_so_at_once():
    digest = factories.make_digest()
    app = make_app("Corp SSO")
    assert "Log in with Corp SSO" in page(digest.get_absolute_url())[1]
    app.name = "Staff sign-in"
    app.save()
    shown = page(digest.get_absolute_url())[1]
    assert "Log in with Staff sign-in" in shown
    assert "Corp SSO" not in shown
    app.delete()
    assert "Staff sign-in" not in page(digest.get_absolute_url())[1]


def test_a_comment_shows_in_the_counts_on_every_list_at_once():
    category = factories.make_category("Science")
    digest = factories.make_digest()
    digest.categories.add(category)
    lists = ["/", category.get_absolute_url(), digest.published_at.strftime("/%Y/%m/")]
    for path in lists:
        assert "Leave a comment" in page(path)[1]
    comment = factories.make_comment(digest)
    for path in lists:
        assert "1 comment" in page(path)[1], path
    comment.delete()
    for path in lists:
        assert "Leave a comment" in page(path)[1], path


def test_each_page_of_a_list_is_drawn_for_itself():
    for n in range(settings.BLOG_PAGE_SIZE + 1):
        factories.make_digest(f"Number {n}")
    first, second = page("/")[1], page("/?page=2")[1]
    assert first.count('class="card"') == settings.BLOG_PAGE_SIZE
    assert second.count('class="card"') == 1
    assert "Number 10" in second and "Number 10" not in first
