"""Likes: one per reader (account or guest cookie), a second click takes it back, a form
that works without JavaScript, faces of signed-in likers, and the page cache left whole."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from likes.models import Like
from tests import factories

JSON = {"HTTP_ACCEPT": "application/json"}


def like(client, digest, **extra):
    url = reverse("likes:like", args=[digest.pk])
    return client.post(url, {"next": digest.get_absolute_url()}, **extra)


def box(page):
    html = page.content.decode() if hasattr(page, "content") else page
    start = html.index('id="likes"')
    return html[start : html.index("</section>", start)]


@pytest.mark.django_db
def test_a_guest_likes_and_unlikes_without_javascript(client, digest):
    response = like(client, digest)
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#likes"
    here = box(client.get(digest.get_absolute_url()))
    assert "You like this digest." in here and 'role="status"' in here
    assert "1 person likes this." in here and 'aria-pressed="true"' in here
    like(client, digest)  # the second click takes it back
    here = box(client.get(digest.get_absolute_url()))
    assert "Your like is taken back." in here and "Be the first to like this." in here
    assert not Like.objects.exists()


@pytest.mark.django_db
def test_one_like_per_guest_cookie_and_per_account(client, digest):
    like(client, digest)
    other = Client()
    like(other, digest)
    assert Like.objects.count() == 2
    forged = Client()
    forged.cookies["liker"] = client.cookies["liker"].value[:-3] + "abc"  # a tampered id
    like(forged, digest)
    assert Like.objects.count() == 3  # counted as a new guest, never as the first one
    user = get_user_model().objects.create_user("reader", first_name="Rea", last_name="Der")
    signed_in = Client()
    signed_in.force_login(user)
    like(signed_in, digest)
    assert Like.objects.filter(user=user).count() == 1
    data = json.loads(signed_in.get(reverse("likes:like", args=[digest.pk])).content)
    assert data == {**data, "count": 4, "liked": True}


@pytest.mark.django_db
def test_signed_in_likers_show_as_their_stored_avatars_with_names(client, digest):
    user = get_user_model().objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    profile = Profile.objects.create(user=user, display_name="Ada Lovelace")
    profile.avatar.save("ada.png", ContentFile(factories.image_bytes("PNG")), save=True)
    reader = Client()
    reader.force_login(user)
    like(reader, digest)
    like(Client(), digest)  # a guest counts, anonymously
    here = box(client.get(digest.get_absolute_url()))
    assert "2 people like this." in here
    assert f'<img src="{profile.avatar.url}" alt="Ada Lovelace"' in here
    assert here.count("<li>") == 1  # the guest has no face


@pytest.mark.django_db
def test_javascript_gets_the_readers_own_state_and_likes_in_place(client, digest):
    url = reverse("likes:like", args=[digest.pk])
    data = json.loads(client.get(url, **JSON).content)
    assert (data["count"], data["liked"]) == (0, False)
    response = like(client, digest, **JSON)
    data = json.loads(response.content)
    assert response.status_code == 200 and (data["count"], data["liked"]) == (1, True)
    assert 'aria-pressed="true"' in data["html"] and "1 person likes this." in data["html"]
    assert "no-cache" in response["Cache-Control"]
    data = json.loads(client.get(url, **JSON).content)
    assert data["liked"] is True and json.loads(Client().get(url).content)["liked"] is False


@pytest.mark.django_db
def test_the_box_state_never_sets_a_csrf_cookie_of_its_own(digest):
    """A shared page's reader gets their CSRF cookie from /csrf-token/ alone: the likes box,
    fetched at the same moment, must not answer with a second, different one."""
    reader = Client(enforce_csrf_checks=True)
    url = reverse("likes:like", args=[digest.pk])
    response = reader.get(url, **JSON)
    assert "csrftoken" not in response.cookies
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="">' in response.json()["html"]
    token = reader.get(reverse("csrf-token"), HTTP_ACCEPT="application/json").json()["token"]
    # With the cookie from /csrf-token/, the box carries a token that goes with it …
    secret = reader.cookies["csrftoken"].value
    response = reader.get(url, **JSON)
    assert 'name="csrfmiddlewaretoken" value=""' not in response.json()["html"]
    assert reader.cookies["csrftoken"].value == secret  # … and the cookie stays as it was
    response = like(reader, digest, HTTP_X_CSRFTOKEN=token, **JSON)
    assert response.status_code == 200 and response.json()["liked"] is True


@pytest.mark.django_db
def test_a_like_leaves_the_cached_page_alone_and_the_endpoint_is_fresh(client, digest):
    page = Client().get(digest.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    like(client, digest)
    again = Client().get(digest.get_absolute_url())
    assert again["X-Page-Cache"] == "hit"  # no page was thrown away
    assert 'aria-pressed="false"' in box(again)  # no reader's own state in a shared page
    url = reverse("likes:like", args=[digest.pk])
    assert json.loads(Client().get(url).content)["count"] == 1


@pytest.mark.django_db
def test_the_summary_is_kept_until_the_next_like(client, digest, django_assert_num_queries):
    url = reverse("likes:like", args=[digest.pk])
    Client().get(url)
    reader = Client()
    # The session-less guest: one query for their own like at most, none for the summary
    # (kept in the counters cache; in tests a database table: one read).
    with django_assert_num_queries(2):  # the digest, the summary entry
        reader.get(url)
    like(client, digest)
    assert json.loads(reader.get(url).content)["count"] == 1


@pytest.mark.django_db
def test_likes_are_rate_limited_per_ip(client, digest, settings):
    settings.LIKES_RATE_LIMIT = (2, 600)
    like(client, digest)
    like(client, digest)
    response = like(Client(), digest, **JSON)
    assert response.status_code == 429
    like(client, digest)
    assert "Too many likes from your network" in box(client.get(digest.get_absolute_url()))
    assert Like.objects.count() == 0  # like, unlike; the rest refused


@pytest.mark.django_db
def test_editors_switch_likes_off_for_the_site_or_one_digest(client, digest, settings):
    other = factories.make_digest(allow_likes=False)
    assert 'id="likes"' not in client.get(other.get_absolute_url()).content.decode()
    assert like(client, other).status_code == 404
    assert 'id="likes"' in client.get(digest.get_absolute_url()).content.decode()
    settings.LIKES_ENABLED = False
    settings.PAGE_CACHE_SECONDS = 0
    assert 'id="likes"' not in client.get(digest.get_absolute_url()).content.decode()
    assert like(client, digest).status_code == 404


@pytest.mark.django_db
def test_admin_digest_list_shows_like_counts_in_one_query(
    client, editor, django_assert_num_queries
):
    digests = [factories.make_digest() for _ in range(5)]
    for n, digest in enumerate(digests):
        for _ in range(n):
            like(Client(), digest)
    client.force_login(editor)
    url = reverse("admin:blog_digest_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as five:
        page = client.get(url).content.decode()
    assert '<th scope="col" class="sortable column-like_count">' in page
    assert 'class="field-like_count">4</td>' in page
    Like.objects.all().delete()
    for digest in digests[1:]:
        digest.delete()
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    assert len(one) == len(five)  # no query per row
