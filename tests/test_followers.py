"""Following the blog by email: a form, double opt-in with a button, one-click unsubscribe,
and every digest mailed once to every confirmed follower when it goes public."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Digest
from followers.models import Follower, Mailing
from mailer.models import Delivery
from tests import factories
from tests.follow_helpers import (
    UNSUBSCRIBE_LINK,
    confirm_path,
    confirmed_followers,
    follow,
    html_part,
)

pytestmark = pytest.mark.django_db(transaction=True)


def publish(title="Fresh digest", **fields):
    """An editor's save that publishes a digest now (the date filled in by the save)."""
    digest = Digest.objects.create(
        title=title, slug=title.lower().replace(" ", "-"), status=Digest.Status.PUBLISHED,
        intro="A **fresh** intro with [a link](https://example.org/a?b=1&c=2).", **fields,
    )  # fmt: skip
    factories.make_item(digest, title="A talk on time", source="Carlo Rovelli at the RI")
    factories.make_item(digest, kind="article", title="An essay", url="https://example.org/e")
    return digest


def digest_mails(mails):
    return [m for m in mails if m.subject.endswith(("Fresh digest", "Later digest"))]


def test_a_guest_follows_confirms_with_the_button_and_gets_the_next_digest(client, sent_mail):
    response = follow(client, "Ada@Example.com", where="sidebar", next_url="/2026/")
    assert response.status_code == 302 and response["Location"] == "/2026/#follow-sidebar"
    page = client.get("/").content.decode()
    # The answer shows inside the form that was sent, not at the top of the page.
    form = page[page.index('id="follow-sidebar"') :]
    assert "check your inbox for a link to confirm" in form[: form.index("</form>")]
    assert '<ul class="messages"' not in page
    [mail] = sent_mail()
    assert mail.to == ["ada@example.com"]
    follower = Follower.objects.get()
    assert follower.state == "pending"

    confirm = confirm_path(mail)
    page = client.get(confirm)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and b'<button type="submit">Confirm</button>' in page.content
    follower.refresh_from_db()
    assert follower.state == "pending"
    page = client.post(confirm)
    assert "Done: you follow" in page.content.decode()
    follower.refresh_from_db()
    assert follower.state == "confirmed"

    digest = publish()
    mails = digest_mails(sent_mail())
    assert [m.to for m in mails] == [["ada@example.com"]]
    [mail] = mails
    assert "A talk on time" in mail.body and "Carlo Rovelli at the RI" in mail.body
    assert "1. A talk on time" in mail.body and "2. An essay" in mail.body
    assert "a link (https://example.org/a?b=1&c=2)" in mail.body  # plain text, unescaped
    html = html_part(mail)
    assert "<script" not in html and "@font-face" not in html and "<link" not in html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html  # the author's link, as is
    assert f'href="http://testserver{digest.get_absolute_url()}"' in html  # view in browser
    headers = mail.extra_headers
    unsubscribe = UNSUBSCRIBE_LINK.search(mail.body).group(1)
    assert headers["List-Unsubscribe"] == f"<http://testserver{unsubscribe}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Id"] == "Digests <digests.testserver>"
    assert unsubscribe in html

    # An editor's later edits send nothing; nor does another worker run.
    digest.title = "Fresh digest"
    digest.intro = "Edited."
    digest.save()
    assert digest_mails(sent_mail()) == mails
    assert Delivery.objects.filter(key=f"digest:{digest.pk}").count() == 1


def test_one_click_unsubscribe_from_the_mail_and_from_the_mail_client(client, sent_mail):
    confirmed_followers("ada@example.com", "bob@example.com")
    publish()
    mails = {m.to[0]: m for m in digest_mails(sent_mail())}
    ada = UNSUBSCRIBE_LINK.search(mails["ada@example.com"].body).group(1)
    page = client.get(ada)  # the visible link: one click
    assert page.status_code == 200 and "you no longer follow" in page.content.decode()
    # RFC 8058: the mail client's POST, without cookies or CSRF token.
    bob = UNSUBSCRIBE_LINK.search(mails["bob@example.com"].body).group(1)
    response = client.post(bob, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.content == b"Unsubscribed."
    assert set(Follower.objects.values_list("state", flat=True)) == {"unsubscribed"}
    publish("Later digest")
    assert len(digest_mails(sent_mail())) == 2  # nothing new
    assert client.get("/follow/unsubscribe/forged-token/").status_code == 400


def test_a_confirmed_follower_is_told_so_without_another_mail(client, sent_mail):
    confirmed_followers("ada@example.com")
    digest = factories.make_digest()
    response = follow(client, "ada@example.com", where="digest", next_url=digest.get_absolute_url())
    assert response["Location"] == f"{digest.get_absolute_url()}#follow-digest"
    page = client.get(digest.get_absolute_url()).content.decode()
    form = page[page.index('id="follow-digest"') :]
    assert "This address already follows the blog" in form[: form.index("</form>")]
    assert sent_mail() == []


def test_confirmation_mails_share_the_comments_limit_per_address_and_ip(
    client, sent_mail, settings
):
    settings.COMMENTS_CONFIRMATION_MAILS_PER_HOUR = (2, 3)
    for _ in range(3):
        follow(client, "ada@example.com")
    assert "already sent several confirmation mails" in client.get("/").content.decode()
    assert len(sent_mail()) == 2
    follow(client, "bob@example.com")  # the third from this IP
    follow(client, "cy@example.com")  # the fourth: refused
    assert sorted(m.to[0] for m in sent_mail()) == ["ada@example.com"] * 2 + ["bob@example.com"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not-an-address", "This is not a valid email address."),
        ("ada@example.com\r\nBcc: eve@example.com", "An address can&#x27;t contain a line break."),
        ("ada@example.com, bob@example.com", "Give one address only."),
        ("a" * 10_000 + "@example.com", "can be at most 254 characters long; yours has 10012"),
    ],
)
def test_bad_addresses_are_refused_with_a_message_and_kept_in_the_form(
    client, sent_mail, typed, message
):
    response = follow(client, typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="not-an-address"' in page if typed == "not-an-address" else True
    assert not Follower.objects.exists() and sent_mail() == []


def test_expired_and_forged_confirmation_links(client, sent_mail, settings):
    follow(client, "ada@example.com")
    [mail] = sent_mail()
    link = confirm_path(mail)
    forged = link[:-6] + "AAAAA/"
    assert "not valid" in client.post(forged).content.decode()
    settings.FOLLOWERS_CONFIRM_MAX_AGE = 0
    time.sleep(1.1)
    response = client.post(link)
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert Follower.objects.get().state == "pending"


def test_a_scheduled_digest_is_mailed_by_the_worker_when_its_date_comes(sent_mail):
    confirmed_followers("ada@example.com")
    digest = publish(published_at=timezone.now() + timedelta(seconds=2))
    assert digest_mails(sent_mail()) == []  # not yet: its task waits for the date
    assert Mailing.objects.get(digest=digest).state == "waiting"
    time.sleep(2.2)
    [mail] = digest_mails(sent_mail())
    assert mail.to == ["ada@example.com"]
    assert Mailing.objects.get(digest=digest).state == "queued"


def test_a_digest_moved_later_is_mailed_at_its_new_date_only(sent_mail):
    confirmed_followers("ada@example.com")
    digest = publish(published_at=timezone.now() + timedelta(seconds=1))
    digest.published_at = timezone.now() + timedelta(days=1)
    digest.save()
    time.sleep(1.2)
    assert digest_mails(sent_mail()) == []  # the first task ran and found it not public
    digest.published_at = timezone.now() - timedelta(seconds=1)  # brought forward to now
    digest.save()
    assert len(digest_mails(sent_mail())) == 1


def test_back_dated_digests_drafts_and_the_demo_are_never_mailed(sent_mail):
    from django.core.management import call_command

    confirmed_followers("ada@example.com")
    publish(published_at=timezone.now() - timedelta(days=30))  # back-dated
    draft = Digest.objects.create(title="Draft", slug="draft")
    call_command("load_demo", verbosity=0)
    assert digest_mails(sent_mail()) == [] and not Delivery.objects.exists()
    assert Mailing.objects.get(digest=draft).state == "draft"
    # A draft written earlier and published now is news.
    draft.status = Digest.Status.PUBLISHED
    draft.save()
    assert [m.subject for m in sent_mail()] == ["Draft"]


def test_the_sweep_mails_a_digest_whose_own_task_was_lost(sent_mail):
    from django_tasks_db.models import DBTaskResult

    from followers.tasks import sweep

    confirmed_followers("ada@example.com")
    digest = publish()
    DBTaskResult.objects.filter(task_path="followers.tasks.announce_digest").delete()
    DBTaskResult.objects.filter(task_path="followers.tasks.sweep").delete()
    sweep.enqueue()
    [mail] = digest_mails(sent_mail())
    assert mail.to == ["ada@example.com"] and Mailing.objects.get(digest=digest).recipients == 1


def test_addresses_never_appear_in_pages_or_feeds(client, sent_mail):
    confirmed_followers("secret-reader@example.com")
    digest = publish()
    sent_mail()
    for url in ("/", digest.get_absolute_url(), reverse("blog:feed"), "/follow/"):
        assert b"secret-reader" not in client.get(url).content


def test_a_wordpress_import_mails_nobody(sent_mail, settings, tmp_path):
    import io
    from pathlib import Path

    from django.core.management import call_command

    confirmed_followers("ada@example.com")
    # Even were its dates counted as fresh, an import is no news.
    settings.FOLLOWERS_BACKDATED_SECONDS = 100 * 365 * 24 * 3600
    fixture = Path(__file__).parent / "fixtures/wxr/blog-wxr-1.2.xml"
    call_command("import_wxr", str(fixture), "--no-progress", stdout=io.StringIO())
    assert Digest.objects.published().count() >= 3
    assert sent_mail() == [] and not Delivery.objects.exists()
    assert set(Mailing.objects.values_list("state", flat=True)) <= {"never", "draft"}


def test_a_signed_in_reader_follows_with_their_account_in_one_click(sent_mail):
    from django.test import Client

    user = factories.make_editor(username="reader")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/").content.decode()
    form = page[page.index('id="follow-sidebar"') :]
    form = form[: form.index("</form>")]
    assert 'name="email"' not in form and "csrfmiddlewaretoken" in form
    token = client.cookies["csrftoken"].value
    data = {"where": "sidebar", "next": "/", "csrfmiddlewaretoken": token}
    assert client.post("/follow/", {"where": "sidebar"}).status_code == 403  # no token
    response = client.post("/follow/", data)
    assert response.status_code == 302
    assert "Done: each new digest" in client.get("/").content.decode()
    assert Follower.objects.get().state == "confirmed" and sent_mail() == []


def test_an_address_refused_for_two_digests_is_bouncing_and_not_mailed(sent_mail):
    confirmed_followers("ada@example.com", "gone@example.com")
    for title in ("First digest", "Second digest"):
        digest = publish(title)
        sent_mail()
        Delivery.objects.filter(key=f"digest:{digest.pk}", to="gone@example.com").update(
            status="failed", last_error="SMTPRecipientsRefused: 550 no such user"
        )
    publish("Later digest")
    assert [m.to for m in digest_mails(sent_mail())] == [["ada@example.com"]]
    assert Follower.objects.get(email="gone@example.com").state == "bouncing"


def test_a_video_is_its_poster_from_our_media_linking_to_the_digest(sent_mail):
    confirmed_followers("ada@example.com")
    digest = Digest.objects.create(title="Fresh digest", slug="posters", status="draft")
    video = factories.make_item(
        digest, title="A talk", image=factories.image_upload("poster.jpg"), alt_text="A stage"
    )
    digest.status = Digest.Status.PUBLISHED
    digest.save()
    [mail] = digest_mails(sent_mail())
    html = html_part(mail)
    link = f'<a href="http://testserver{digest.get_absolute_url()}#{video.anchor}">'
    assert link in html
    poster = html[html.index(link) :].split('<img src="')[1].split('"')[0]
    assert poster.startswith("http://testserver/media/") and poster.endswith(".jpg")
    assert 'alt="Watch the video: A talk"' in html
    assert "youtube.com" not in html  # the player lives on the digest's page
    assert f"Video: http://testserver{digest.get_absolute_url()}#{video.anchor}" in mail.body
