"""Avatars: initials made here by default; Gravatar only when the site turns it on."""

import hashlib
import re

import pytest
from django.test import Client

from comments.models import VerifiedEmail
from tests import factories
from tests.comment_helpers import approved_author, post_comment

pytestmark = pytest.mark.django_db

INITIALS = re.compile(r'<span class="avatar avatar--(\d+)" aria-hidden="true">([^<]*)</span>')


def comments_part(digest):
    page = Client().get(digest.get_absolute_url()).content.decode()
    return page.split('id="comments"', 1)[1]


def post_as(client, digest, name, email, text):
    """A comment from a known author, published at once, from a fresh browser."""
    if not VerifiedEmail.objects.filter(email=email.strip().lower()).exists():
        approved_author(email.strip().lower())
    client.cookies.clear()
    post_comment(client, digest, name=name, email=email, comment=text)


def test_by_default_initials_and_nothing_from_the_email(client, digest):
    post_as(client, digest, "Ada Reader", "ada@example.com", "Hello")
    html = comments_part(digest)
    assert [initials for _, initials in INITIALS.findall(html)] == ["AR"]
    assert "gravatar" not in html.lower()
    assert "<img" not in html
    email = b"ada@example.com"
    for digest_of in (hashlib.sha256, hashlib.md5):
        assert digest_of(email).hexdigest() not in html


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("ada", "A"),
        ("Jean-Luc Picard", "JP"),
        ("émile  zola", "ÉZ"),
        ("Mary Ann van der Berg", "MB"),
        ("🙂 Smiley", "S"),
        ("🙂", "?"),
    ],
)
def test_initials_from_first_and_last_word(client, digest, name, initials):
    post_as(client, digest, name, "someone@example.com", "Hello")
    assert [shown for _, shown in INITIALS.findall(comments_part(digest))] == [initials]


def test_the_same_name_gets_the_same_colour(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post_as(client, digest, "Ada Reader", "ada@example.com", "One")
    post_as(client, digest, "Ada Reader", "ada@example.com", "Two")
    post_as(client, digest, "Bob Jones", "bob@example.com", "Three")
    colours = [colour for colour, _ in INITIALS.findall(comments_part(digest))]
    assert len(colours) == 3 and colours[0] == colours[1]


def test_gravatar_when_the_setting_is_on(client, digest, settings):
    settings.COMMENTS_GRAVATAR = True
    post_as(client, digest, "Ada Reader", " Ada@Example.COM ", "Hello")
    html = comments_part(digest)
    expected = hashlib.sha256(b"ada@example.com").hexdigest()
    assert (
        f'<img class="avatar avatar--img" src="https://www.gravatar.com/avatar/{expected}'
        '?s=80&amp;d=identicon" width="40" height="40" alt="" loading="lazy"'
    ) in html
    assert INITIALS.findall(html) == []
    assert "ada@example.com" not in html.lower()


def test_gravatar_for_signed_in_readers_uses_their_account_address(client, digest, settings):
    settings.COMMENTS_GRAVATAR = True
    user = factories.make_editor(username="reader", first_name="Rea", last_name="Der")
    client.force_login(user)
    post_comment(client, digest, name="", email="", comment="From my account")
    expected = hashlib.sha256(user.email.lower().encode()).hexdigest()
    assert f"https://www.gravatar.com/avatar/{expected}?" in comments_part(digest)
