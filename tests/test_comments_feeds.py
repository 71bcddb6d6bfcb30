"""RSS feeds of public comments: one per digest, one for the site."""

from datetime import timedelta
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from comments.actions import DELETED_TEXT, remove
from comments.models import DigestComment
from tests import factories

pytestmark = pytest.mark.django_db

State = DigestComment.State


def make_comment(digest, name="Ada Reader", text="A comment", *, minutes_ago=0, **fields):
    """A comment by name, sent minutes_ago."""
    submitted = timezone.now() - timedelta(minutes=minutes_ago)
    return factories.make_comment(digest, text, user_name=name, submit_date=submitted, **fields)


def feed_url(digest):
    local = timezone.localtime(digest.published_at)
    kwargs = {"year": local.year, "month": local.month, "day": local.day, "slug": digest.slug}
    return reverse("comments:digest-feed", kwargs=kwargs)


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)
    assert (root.tag, root.get("version")) == ("rss", "2.0")
    channel = root.find("channel")
    return channel, channel.findall("item"), response.content.decode()


def test_digest_feed_has_public_comments_newest_first(client, digest):
    old = make_comment(digest, "Ada Reader", "First <em>thoughts</em>", minutes_ago=30)
    new = make_comment(digest, "Bob Jones", "Second, with https://example.org/x", minutes_ago=5)
    make_comment(digest, "Held Person", "Held text", state=State.HELD)
    make_comment(digest, "Unverified Person", "Unverified text", state=State.UNVERIFIED)
    make_comment(digest, "Spam Person", "Spam text", state=State.SPAM)
    make_comment(factories.make_digest("Another digest"), "Elsewhere", "On another digest")

    channel, items, text = read_feed(client, feed_url(digest))
    assert channel.findtext("title") == f"Comments on {digest.title}"
    assert channel.findtext("link") == f"http://testserver{digest.get_absolute_url()}#comments"
    assert [i.findtext("title") for i in items] == [
        f"Bob Jones on {digest.title}",
        f"Ada Reader on {digest.title}",
    ]
    first = items[0]
    assert first.findtext("link") == f"http://testserver{digest.get_absolute_url()}#c{new.pk}"
    assert first.findtext("description") == new.comment_html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in new.comment_html
    assert parsedate_to_datetime(first.findtext("pubDate")) == new.submit_date.replace(
        microsecond=0
    )
    assert items[1].findtext("description") == "<p>First <em>thoughts</em></p>"
    assert items[1].findtext("link").endswith(f"#c{old.pk}")
    for hidden in ("Held", "Unverified", "Spam", "Elsewhere", "another digest"):
        assert hidden not in text
    assert "@example.com" not in text  # never an email address


def test_feeds_hold_the_30_newest_comments(client, digest):
    for n in range(35):
        make_comment(digest, f"Reader {n}", f"Comment {n}", minutes_ago=100 - n)
    _, items, _ = read_feed(client, feed_url(digest))
    assert len(items) == 30
    assert items[0].findtext("title").startswith("Reader 34 ")
    assert items[-1].findtext("title").startswith("Reader 5 ")
    _, items, _ = read_feed(client, reverse("comments:feed"))
    assert len(items) == 30


def test_unpublished_digests_have_no_comment_feed(client):
    draft = factories.make_digest("Draft", published=False, published_at=None)
    draft.published_at = timezone.now() - timedelta(days=1)  # a date to build the address
    assert client.get(feed_url(draft)).status_code == 404
    future = timezone.now() + timedelta(days=2)
    scheduled = factories.make_digest("Scheduled", published_at=future)
    make_comment(scheduled, text="Early comment")
    assert client.get(feed_url(scheduled)).status_code == 404
    assert "Early comment" not in client.get(reverse("comments:feed")).content.decode()


def test_a_wrong_date_redirects_to_the_digests_feed(client, digest):
    wrong = reverse(
        "comments:digest-feed", kwargs={"year": 2001, "month": 2, "day": 3, "slug": digest.slug}
    )
    response = client.get(wrong)
    assert response.status_code == 301
    assert response["Location"] == feed_url(digest)
    missing = reverse(
        "comments:digest-feed", kwargs={"year": 2001, "month": 2, "day": 3, "slug": "no-such"}
    )
    assert client.get(missing).status_code == 404


def test_site_feed_has_public_comments_on_published_digests(client, digest):
    other = factories.make_digest("Other digest")
    draft = factories.make_digest("Draft digest", published=False)
    make_comment(digest, "Ada Reader", "On the first", minutes_ago=20)
    make_comment(other, "Bob Jones", "On the other", minutes_ago=10)
    make_comment(draft, "Carol", "On a draft")
    make_comment(other, "Held Person", "Held text", state=State.HELD)

    channel, items, text = read_feed(client, reverse("comments:feed"))
    assert channel.findtext("title") == f"Comments on {settings.BLOG_TITLE}"
    assert [i.findtext("title") for i in items] == [
        f"Bob Jones on {other.title}",
        f"Ada Reader on {digest.title}",
    ]
    assert items[0].findtext("link").startswith(f"http://testserver{other.get_absolute_url()}#c")
    assert "On a draft" not in text and "Held text" not in text
    assert "@example.com" not in text


def test_deleted_comments_stay_out_of_feeds(client, digest):
    parent = make_comment(digest, "Ada Reader", "Soon deleted", minutes_ago=5)
    make_comment(digest, "Bob Jones", "A reply", parent=parent)
    remove(parent)  # it has a reply, so a placeholder stays on the page
    assert DELETED_TEXT in client.get(digest.get_absolute_url()).content.decode()
    for url in (feed_url(digest), reverse("comments:feed")):
        _, items, text = read_feed(client, url)
        assert [i.findtext("title") for i in items] == [f"Bob Jones on {digest.title}"]
        assert DELETED_TEXT not in text and "Soon deleted" not in text


def test_feeds_name_signed_in_commenters_by_their_account(client, digest):
    user = factories.make_editor(username="reader", first_name="Rea", last_name="Der")
    make_comment(digest, "", "From an account", user=user, user_email=user.email)
    _, items, text = read_feed(client, feed_url(digest))
    assert items[0].findtext("title") == f"Rea Der on {digest.title}"
    assert user.email not in text


def test_feeds_take_a_fixed_number_of_queries(client, django_assert_num_queries, no_page_cache):
    digests = [factories.make_digest(f"Digest {n}") for n in range(4)]
    user = factories.make_editor(username="reader", first_name="Rea")
    for n, digest in enumerate(digests):
        for m in range(5):
            make_comment(digest, f"Reader {m}", f"Comment {n}.{m}", minutes_ago=n * 10 + m)
        make_comment(digest, "", "Signed in", user=user, user_email=user.email)
    client.get(reverse("comments:feed"))  # the Sites row is cached after the first request

    with django_assert_num_queries(2):  # comments with their accounts, then their digests
        _, items, _ = read_feed(client, reverse("comments:feed"))
    assert len(items) == 24
    with django_assert_num_queries(2):  # the digest, then its comments
        _, items, _ = read_feed(client, feed_url(digests[0]))
    assert len(items) == 6


def test_comments_feed_url_tag_gives_the_feed_address(client, digest):
    rendered = Template("{% load comment_tags %}{% comments_feed_url digest %}").render(
        Context({"digest": digest})
    )
    assert rendered == feed_url(digest)
    assert client.get(rendered).status_code == 200
