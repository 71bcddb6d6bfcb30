"""The comment and subscribe forms a guest with nothing remembered gets are drawn once per
version in each process (comments.respond); every reader still gets security fields of
their own, and everyone else gets the forms drawn for them."""

import re

import pytest
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site
from django.test import Client
from django.urls import reverse

from comments import respond
from comments.models import DigestComment
from tests import factories
from tests.comment_helpers import post_comment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def fields_of(page):
    """The comment form's hidden and CSRF fields, as a browser would send them back."""
    form = page[page.index('<form class="comment-form"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def reading(client, digest):
    response = client.get(digest.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_two_guests_each_post_with_the_fields_of_their_own_page(drawn):
    digest = factories.make_digest()
    ada, bob = Client(), Client()
    ada_page = reading(ada, digest)
    bob_page = reading(bob, digest)
    assert "comments/_form.html" in drawn()
    assert reading(Client(), digest)
    assert "comments/_form.html" not in drawn()  # the third guest's forms were kept ones

    for page in (ada_page, bob_page):
        assert respond.TOKEN not in page and respond.TIMESTAMP not in page
        assert respond.HASH not in page
    ada_fields, bob_fields = fields_of(ada_page), fields_of(bob_page)
    assert ada_fields["csrfmiddlewaretoken"] != bob_fields["csrfmiddlewaretoken"]
    assert ada_fields["object_pk"] == str(digest.pk)

    guests = ((ada, ada_fields, "Ada", "192.0.2.1"), (bob, bob_fields, "Bob", "192.0.2.2"))
    for client, fields, name, address in guests:
        client.handler.enforce_csrf_checks = True
        data = {
            **fields, "honeypot": "", "name": name, "email": f"{name.lower()}@example.com",
            "url": "", "comment": f"{name} was here.",
        }  # fmt: skip
        response = client.post(reverse("comments:post"), data, REMOTE_ADDR=address)
        assert response.status_code in (200, 302), response.content.decode()[:500]
    assert set(DigestComment.objects.values_list("user_name", flat=True)) == {"Ada", "Bob"}


def test_another_guests_token_is_refused():
    digest = factories.make_digest()
    ada, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ada_fields = fields_of(reading(ada, digest))
    reading(bob, digest)
    data = {**ada_fields, "name": "Bob", "email": "bob@example.com", "comment": "Hi."}
    # Bob's browser sends its own cookie with Ada's token, from another site.
    response = bob.post(reverse("comments:post"), data, HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 403
    assert not DigestComment.objects.exists()


def test_a_remembered_guest_gets_their_name_and_others_never_see_it(client):
    digest = factories.make_digest()
    reading(Client(), digest)  # the shared forms drawn first
    post_comment(client, digest, remember="on", name="Ada Reader", email="ada@example.com")
    assert 'value="Ada Reader"' in reading(client, digest)
    stranger = reading(Client(), digest)
    assert "Ada Reader" not in stranger.split('<div class="respond"')[1]
    assert "ada@example.com" not in stranger


def test_a_new_sign_in_provider_shows_at_once():
    digest = factories.make_digest()
    assert "Log in with Corp SSO" not in reading(Client(), digest)
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="corp", name="Corp SSO", client_id="blog",
        secret="s3cret", settings={"server_url": "http://127.0.0.1:9"},
    )  # fmt: skip
    app.sites.add(Site.objects.get_current())
    assert "Log in with Corp SSO" in reading(Client(), digest)


def test_each_digest_has_forms_of_its_own():
    first, second = factories.make_digest(), factories.make_digest()
    assert fields_of(reading(Client(), first))["object_pk"] == str(first.pk)
    assert fields_of(reading(Client(), second))["object_pk"] == str(second.pk)
