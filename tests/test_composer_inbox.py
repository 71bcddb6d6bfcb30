"""The link inbox: staff save links (bookmarklet window, share target, admin form) and make
digests from them; the describe endpoint the change form's paste handler calls."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from blog.models import Digest, MediaItem
from composer import inbox
from composer.models import SavedLink
from tests import factories, link_standin

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def staff(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.make_editor())
    return client


def csrf_of(response):
    return str(response.context["csrf_token"])


def test_the_bookmarklet_window_asks_first_and_saves_on_post(staff, linked_site):
    address = f"{linked_site.base}/article"
    asked = staff.get(reverse("composer:save"), {"url": address, "title": "Page's own"})
    assert asked.status_code == 200
    assert asked["X-Frame-Options"] == "DENY"
    assert address in asked.content.decode()
    assert not SavedLink.objects.exists()  # a GET never saves
    saved = staff.post(
        reverse("composer:save"),
        {"url": address, "title": "Typed", "hint": "Page's", "csrfmiddlewaretoken": csrf_of(asked)},
    )
    assert saved.status_code == 200
    assert "Saved to the link inbox" in saved.content.decode()
    link = SavedLink.objects.get()
    assert link.title == "Typed"  # what the editor typed wins
    assert link.source == f"{link_standin.ARTICLE_AUTHOR}, {link_standin.ARTICLE_SITE}"
    assert link.kind == MediaItem.Kind.ARTICLE and link.poster


def test_a_page_title_is_used_when_the_page_cannot_be_fetched(staff, linked_site):
    asked = staff.get(
        reverse("composer:save"), {"url": f"{linked_site.base}/nothing", "title": "Hint"}
    )
    token = csrf_of(asked)
    staff.post(
        reverse("composer:save"),
        {"url": f"{linked_site.base}/nothing", "hint": "Hint", "csrfmiddlewaretoken": token},
    )
    link = SavedLink.objects.get()
    assert (link.title, link.state) == ("Hint", SavedLink.State.FAILED)


def test_a_post_without_the_csrf_token_saves_nothing(staff, linked_site):
    response = staff.post(reverse("composer:save"), {"url": f"{linked_site.base}/article"})
    assert response.status_code == 403
    assert not SavedLink.objects.exists()


def test_only_staff_can_save_links(client, linked_site, django_user_model):
    reader = django_user_model.objects.create_user("reader", password="pw")
    for who in (None, reader):
        if who:
            client.force_login(who)
        response = client.post(reverse("composer:save"), {"url": f"{linked_site.base}/article"})
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert client.post(reverse("composer:describe"), {"url": YOUTUBE}).status_code == 302
    assert not SavedLink.objects.exists()


def test_staff_without_the_permission_are_refused(client, linked_site, django_user_model):
    helper = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    client.force_login(helper)
    assert client.get(reverse("composer:save")).status_code == 403
    assert client.post(reverse("composer:describe"), {"url": YOUTUBE}).status_code == 403


def test_a_share_from_a_phone_finds_the_address_in_the_text(staff):
    response = staff.get(reverse("composer:save"), {"text": "Look at this https://example.org/a"})
    assert 'value="https://example.org/a"' in response.content.decode()


def test_the_manifest_declares_the_share_target(client):
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["share_target"]["action"] == reverse("composer:save")
    assert manifest["share_target"]["method"] == "GET"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:  # each one served by the site
        assert client.get(icon["src"]).status_code == 200


def test_the_admin_links_the_manifest(admin_client):
    assert b'rel="manifest" href="/manifest.webmanifest"' in admin_client.get("/admin/").content


def test_describe_fills_a_video_with_a_pending_poster(staff, linked_site):
    token = csrf_of(staff.get(reverse("composer:save")))
    answer = staff.post(
        reverse("composer:describe"), {"url": YOUTUBE}, headers={"X-CSRFToken": token}
    ).json()
    assert answer["ok"] and answer["kind"] == "video"
    assert (answer["title"], answer["source"]) == (link_standin.VIDEO_TITLE, link_standin.CHANNEL)
    poster = staff.get(answer["poster"]["preview"])
    assert b"".join(poster.streaming_content) == link_standin.POSTER


def test_describe_says_why_it_failed(staff, linked_site):
    token = csrf_of(staff.get(reverse("composer:save")))
    response = staff.post(
        reverse("composer:describe"),
        {"url": f"{linked_site.base}/nothing"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert "fill in the item by hand" in response.json()["error"]


def saved(linked_site, *paths):
    links = []
    for path in paths:
        link = SavedLink.objects.create(url=f"{linked_site.base}/{path}")
        links.append(inbox.describe(link))
    return links


def test_start_a_digest_from_links_in_the_inbox_order(admin_client, linked_site):
    jsonld, article = saved(linked_site, "jsonld", "article")
    SavedLink.objects.filter(pk=article.pk).update(position=0)  # dragged to the top
    response = admin_client.post(
        reverse("admin:composer_savedlink_changelist"),
        {"action": "start_digest_action", "_selected_action": [jsonld.pk, article.pk]},
    )
    digest = Digest.objects.get()
    assert response["Location"] == reverse("admin:blog_digest_change", args=[digest.pk])
    assert digest.status == Digest.Status.DRAFT
    items = list(digest.media_items.all())
    assert [i.title for i in items] == [link_standin.ARTICLE_TITLE, link_standin.LD_TITLE]
    assert items[0].image and items[0].kind == MediaItem.Kind.ARTICLE
    assert not SavedLink.objects.waiting().exists()


def test_add_to_an_existing_draft(admin_client, linked_site):
    draft = factories.make_digest(published=False, items=1)
    (link,) = saved(linked_site, "plain")
    changelist = reverse("admin:composer_savedlink_changelist")
    asked = admin_client.post(
        changelist, {"action": "add_to_digest", "_selected_action": [link.pk]}
    )
    assert draft.title in asked.content.decode()
    admin_client.post(
        changelist,
        {
            "action": "add_to_digest",
            "_selected_action": [link.pk],
            "digest": draft.pk,
            "apply": "1",
        },
    )
    assert [i.title for i in draft.media_items.all()][-1] == "Only a title"


@pytest.mark.django_db(transaction=True)  # fetched once the save is committed
def test_the_inbox_form_saves_a_link_and_says_when_it_failed(admin_client, linked_site):
    response = admin_client.post(
        reverse("admin:composer_savedlink_add"), {"url": f"{linked_site.base}/nothing"}, follow=True
    )
    assert "could not be fetched" in response.content.decode()
    assert SavedLink.objects.get().state == SavedLink.State.FAILED
