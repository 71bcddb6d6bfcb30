"""The header's menu and the sidebar are drawn once per version of the site (blog.chrome)
and kept; with no cache at all (no_page_cache), whatever they show changes on the next
request: a page linked, a category renamed or given, a digest published, unpublished,
deleted or going public at its scheduled time."""

from datetime import timedelta

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Digest, MenuLink
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

NAV, MENU = "blog/_archive_nav.html", "blog/_site_menu.html"


def home():
    return Client().get(reverse("blog:digest-list")).content.decode()


def sidebar(html):
    return html[html.index('class="sidebar"') :]


def test_menu_and_sidebar_are_drawn_once_for_every_page(drawn):
    digest = factories.make_digest("Entropy, explained")
    home()
    assert drawn().count(NAV) == 1
    Client().get(digest.get_absolute_url())
    home()
    made = drawn()
    assert NAV not in made and MENU not in made


def test_a_page_linked_and_renamed_shows_in_the_menu_at_once():
    factories.make_digest()
    assert "About this blog" not in home()
    page = FlatPage.objects.create(url="/about/", title="About this blog", content="<p>Hi</p>")
    page.sites.add(Site.objects.get_current())
    link = MenuLink.objects.create(page=page, position=0)
    assert "About this blog" in home()
    link.label = "Who we are"
    link.save()
    seen = home()
    assert "Who we are" in seen and "About this blog" not in seen


def test_categories_given_renamed_and_taken_show_in_the_sidebar_at_once():
    digest = factories.make_digest()
    category = factories.make_category("Physics")
    assert "Physics" not in sidebar(home())
    digest.categories.add(category)
    assert "Physics" in sidebar(home())
    category.name = "Cosmology"
    category.save()
    assert "Cosmology" in sidebar(home()) and "Physics" not in sidebar(home())
    digest.categories.remove(category)
    assert "Cosmology" not in sidebar(home())


def test_months_follow_publishing_unpublishing_and_deleting():
    factories.make_digest(published_at=timezone.now() - timedelta(days=1))
    old = factories.make_digest(published_at=timezone.now().replace(year=2019, month=3))
    assert "March 2019" in sidebar(home())
    old.status = Digest.Status.DRAFT
    old.save()
    assert "March 2019" not in sidebar(home())
    old.status = Digest.Status.PUBLISHED
    old.save()
    assert "March 2019" in sidebar(home())
    old.delete()
    assert "March 2019" not in sidebar(home())


def test_a_scheduled_digest_shows_in_the_sidebar_when_its_time_comes(monkeypatch):
    factories.make_digest(published_at=timezone.now() - timedelta(days=40))
    now = timezone.now()
    at = now.replace(year=now.year + 1, month=1, day=5)
    factories.make_digest(published_at=at)
    month = f"January {at.year}"
    assert month not in sidebar(home())
    # Time passes: nothing is saved, and nothing is told.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + (at - now) + timedelta(hours=1))
    assert month in sidebar(home())


def test_links_dragged_into_a_new_order_in_the_admin_show_in_that_order(admin_client):
    factories.make_digest()
    site = Site.objects.get_current()
    links = []
    for position, title in enumerate(["About", "Contact"]):
        page = FlatPage.objects.create(url=f"/{title.lower()}/", title=title, content="<p>x</p>")
        page.sites.add(site)
        links.append(MenuLink.objects.create(page=page, position=position))
    before = home()
    assert before.index(">About<") < before.index(">Contact<")
    url = reverse("admin:blog_menulink_sortable_update")
    moved = [[links[0].pk, 1], [links[1].pk, 0]]
    response = admin_client.post(url, {"updatedItems": moved}, content_type="application/json")
    assert response.status_code == 200
    after = home()
    assert after.index(">Contact<") < after.index(">About<")
