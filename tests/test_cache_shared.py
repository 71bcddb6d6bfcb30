"""Pages every anonymous reader shares: what they tell shared caches, and their forms — no
token in the cached page, one fetched when the reader starts using a form
(static/blog/site.js: tests/test_browser_cached_forms.py), a second chance without
JavaScript, and CSRF protection kept whole for every signed-in action. Clients here
enforce CSRF checks, as browsers are held to them."""

import re
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from comments.models import DigestComment
from likes.models import Like
from tests import factories
from tests.comment_helpers import approved_author, form_data, post_comment

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.COMMENTS_FLOOD_SECONDS = 0


def send(client, url, data, origin=SITE):
    """POST as a browser does: with its Origin (None: a client that sends none)."""
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data, **headers)


def strict(cookies_from=None):
    client = Client(enforce_csrf_checks=True)
    if cookies_from is not None:
        client.cookies = cookies_from.cookies
    return client


def token_in(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', page).group(1)


def text(response):
    return response.content.decode()


def test_shared_caches_may_keep_a_cached_page_a_moment_and_never_a_personal_one(digest, editor):
    url = digest.get_absolute_url()
    miss, hit = strict().get(url), strict().get(url)
    for response in (miss, hit):
        assert response["Cache-Control"] == (
            "public, max-age=0, s-maxage=2, stale-while-revalidate=5"
        )
        assert not response.cookies
    assert miss.content == hit.content
    mine = signed_in(editor).get(url)
    assert mine["X-Page-Cache"] == "bypass"
    assert set(mine["Cache-Control"].split(", ")) >= {"private", "no-store"}


def test_edge_seconds_never_reach_past_the_next_publication(digest, settings):
    url = digest.get_absolute_url()
    factories.make_digest("Soon", published_at=timezone.now() + timedelta(seconds=60))
    settings.EDGE_CACHE_SECONDS = 300
    seconds = re.search(r"s-maxage=(\d+)", strict().get(url)["Cache-Control"]).group(1)
    assert 50 <= int(seconds) <= 60
    settings.EDGE_CACHE_SECONDS = 0  # shared caches kept out: browsers only
    assert strict().get(url)["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("accept", ["application/activity+json", "application/ld+json"])
def test_another_representation_is_never_the_cached_page(digest, accept):
    url = digest.get_absolute_url()
    strict().get(url)
    assert strict().get(url)["X-Page-Cache"] == "hit"
    other = strict().get(url, HTTP_ACCEPT=accept)
    assert "X-Page-Cache" not in other
    assert "public" not in other.get("Cache-Control", "")


def test_the_token_endpoint_gives_a_token_and_its_cookie_and_no_cache_keeps_them():
    reader = strict()
    response = reader.get(reverse("csrf-token"))
    assert response.status_code == 200
    assert response.json()["token"]
    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_without_javascript_a_guest_comment_comes_back_with_a_token_to_send_again(digest):
    approved_author()
    url = digest.get_absolute_url()
    reader = strict()
    assert reader.get(url).status_code == 200  # the miss, stored
    page = reader.get(url)
    assert page["X-Page-Cache"] == "hit" and token_in(text(page)) == ""

    data = form_data(digest, comment="Typed without JavaScript.")
    refused = send(reader, reverse("comments:post"), data)
    assert refused.status_code == 403
    body = text(refused)
    assert "no security token for this site yet" in body
    assert "Typed without JavaScript." in body  # everything typed is still there
    assert token_in(body) and "csrftoken" in refused.cookies
    assert not DigestComment.objects.exists()

    data["csrfmiddlewaretoken"] = token_in(body)
    sent = send(reader, reverse("comments:post"), data)
    assert sent.status_code == 302
    assert DigestComment.objects.get().comment == "Typed without JavaScript."


def test_without_javascript_other_forms_get_a_send_again_button(digest):
    reader = strict()
    reader.get(digest.get_absolute_url())
    data = {"digest": str(digest.pk), "email": "sub@example.com", "honeypot": ""}
    refused = send(reader, reverse("comments:subscribe"), data)
    assert refused.status_code == 403
    body = text(refused)
    assert f'action="{reverse("comments:subscribe")}"' in body
    assert '<input type="hidden" name="email" value="sub@example.com">' in body
    again = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
    assert again["csrfmiddlewaretoken"]
    sent = send(reader, reverse("comments:subscribe"), again)
    assert sent.status_code == 302


@pytest.mark.parametrize("origin", ["https://attacker.example", None])
def test_a_form_from_another_site_gets_no_second_chance(digest, origin):
    approved_author()
    reader = strict()
    data = form_data(digest, comment="Forged.")
    refused = send(reader, reverse("comments:post"), data, origin)  # None: no Referer either
    assert refused.status_code == 403
    assert "Nothing was done" in text(refused)
    assert "Forged." not in text(refused)
    assert not DigestComment.objects.exists()


# Signed-in actions: refused without their token, done with it ---------------------------


def signed_in(user):
    client = strict()
    client.force_login(user)
    client.get(reverse("csrf-token"))  # the cookie a page of theirs would have set
    return client


def with_token(client, data):
    return {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}


def comment_as_signed_in(digest, user):
    client = signed_in(user)
    return (
        client,
        reverse("comments:post"),
        form_data(digest, comment="Signed in."),
        (lambda: DigestComment.objects.filter(comment="Signed in.").exists()),
    )


def like(digest, user):
    client = signed_in(user)
    url = reverse("likes:like", args=[digest.pk])
    return client, url, {"next": digest.get_absolute_url()}, Like.objects.exists


def follow(digest, user):
    from followers.models import Follower

    client = signed_in(user)
    data = {"where": "sidebar", "next": "/"}
    return client, reverse("followers:follow"), data, Follower.objects.exists


def moderate(digest, user):
    held = factories.make_comment(digest, "Held for now.", state=DigestComment.State.HELD)
    client = signed_in(user)
    url = reverse("admin:comments_digestcomment_changelist")
    data = {"action": "approve", "_selected_action": [str(held.pk)], "index": "0"}
    return client, url, data, lambda: DigestComment.objects.get(pk=held.pk).is_public


def edit(digest, user):
    guest = Client()  # a guest's own comment, editable from their browser for a while
    post_comment(guest, digest, comment="Before the edit.")
    comment = DigestComment.objects.get(comment="Before the edit.")
    client = strict(guest)
    client.get(reverse("csrf-token"))
    url = reverse("comments:edit", args=[comment.pk])
    return (
        client,
        url,
        {"comment": "After the edit."},
        (lambda: DigestComment.objects.get(pk=comment.pk).comment == "After the edit."),
    )


@pytest.mark.parametrize("action", [comment_as_signed_in, like, follow, moderate, edit])
def test_signed_in_actions_keep_their_csrf_protection(digest, editor, action):
    client, url, data, done = action(digest, editor)
    # From this site or another, without the token: refused, with no second chance.
    for origin in (SITE, "https://attacker.example"):
        refused = send(client, url, data, origin)
        assert refused.status_code == 403, (origin, text(refused)[:300])
        assert "Nothing was done" in text(refused)
        assert not done()
    response = send(client, url, with_token(client, data))
    assert response.status_code in (200, 302), text(response)[:500]
    assert done()
