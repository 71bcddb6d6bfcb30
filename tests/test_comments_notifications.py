import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from comments import notifications
from comments.models import DigestComment, Subscription
from comments.subscriptions import unsubscribe_url
from mailer.models import Delivery
from tests import factories
from tests.comment_helpers import (
    approved_author,
    confirmation_link,
    post_after_commit,
    post_comment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_flood_wait(settings):
    """These tests post several comments in a row from one client."""
    settings.COMMENTS_FLOOD_SECONDS = 0


def subscribe(client, digest, email="sub@example.com", **data):
    """Submit the form under the comment form and follow the redirect (to see the message)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("comments:subscribe"),
            {"digest": digest.pk, "email": email, "honeypot": "", **data},
            follow=True,
        )


def subscription_link(mail):
    return re.search(r"http://testserver(/comments/subscribe/\S+/)", mail.body).group(1)


def unsubscribe_path(mail):
    """The address in the List-Unsubscribe header, which the body links to as well."""
    header = mail.extra_headers["List-Unsubscribe"]
    url = re.fullmatch(r"<(http://testserver(/comments/unsubscribe/\S+/))>", header)
    assert url.group(1) in mail.body
    return url.group(2)


def confirmed_subscriber(digest, email="sub@example.com"):
    return Subscription.objects.create(digest=digest, email=email, confirmed_at=timezone.now())


def to(mails):
    return [address for mail in mails for address in mail.to]


def test_reply_to_opted_in_author_mails_them_with_one_click_unsubscribe(client, digest, sent_mail):
    approved_author("ada@example.com")
    approved_author("bob@example.com")
    post_comment(client, digest, comment="Parent", notify_replies="on")
    parent = DigestComment.objects.get()
    assert parent.notify == DigestComment.Notify.REPLIES
    post_comment(
        client, digest, reply_to=parent.pk, name="Bob", email="bob@example.com", comment="Reply"
    )

    [mail] = sent_mail()
    assert mail.to == ["ada@example.com"]
    assert mail.subject == f"New reply on “{digest.title}”"
    assert "Bob replied to your comment" in mail.body
    assert "Reply" in mail.body
    reply = DigestComment.objects.get(comment="Reply")
    assert f"http://testserver{digest.get_absolute_url()}#c{reply.pk}" in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.message()["List-Unsubscribe"].startswith("<http://testserver/comments/unsub")

    # A mail client's one-click POST: no cookie, no CSRF token, no page.
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(unsubscribe_path(mail), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    parent.refresh_from_db()
    assert parent.notify == DigestComment.Notify.NONE

    post_comment(
        client, digest, reply_to=parent.pk, email="bob@example.com", comment="Another reply"
    )
    assert len(sent_mail()) == 1


def test_reply_to_author_who_did_not_opt_in_mails_nobody(client, digest, sent_mail):
    approved_author("ada@example.com")
    approved_author("bob@example.com")
    post_comment(client, digest, comment="Parent")
    parent = DigestComment.objects.get()
    post_comment(client, digest, reply_to=parent.pk, email="bob@example.com", comment="Reply")
    assert DigestComment.objects.count() == 2
    assert sent_mail() == []


def test_notify_all_follower_gets_new_comments_once_each(client, digest, sent_mail):
    approved_author("carol@example.com")
    approved_author("ada@example.com")
    post_comment(client, digest, name="Carol", email="carol@example.com", notify_all="on")
    carols = DigestComment.objects.get()
    assert carols.notify == DigestComment.Notify.ALL

    post_comment(client, digest, comment="At the top")
    [mail] = sent_mail()
    assert mail.to == ["carol@example.com"]
    assert mail.subject == f"New comment on “{digest.title}”"
    assert "Ada Reader commented on" in mail.body
    assert "every new comment on this digest" in mail.body
    assert "List-Unsubscribe" in mail.extra_headers

    # A reply to Carol who also follows everything: one mail, the reply one.
    post_comment(client, digest, reply_to=carols.pk, comment="Answer to Carol")
    assert to(sent_mail()) == ["carol@example.com", "carol@example.com"]
    assert "replied to your comment" in sent_mail()[1].body


def test_no_mail_to_the_comments_own_author(client, digest, sent_mail):
    approved_author("ada@example.com")
    post_comment(client, digest, comment="First", notify_all="on")
    first = DigestComment.objects.get()
    confirmed_subscriber(digest, "ADA@example.com")  # also subscribed, in other letters
    post_comment(client, digest, comment="Second")
    post_comment(client, digest, reply_to=first.pk, comment="Replying to myself")
    assert DigestComment.objects.count() == 3
    assert sent_mail() == []


def test_subscribe_without_commenting(client, digest, sent_mail):
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "Follow without commenting" in page
    assert f'action="{reverse("comments:subscribe")}"' in page

    response = subscribe(client, digest)
    assert response.redirect_chain[-1][0].endswith(f"{digest.get_absolute_url()}#subscribe")
    # The answer is inside the subscribe form, where the reader is looking.
    form = response.content.decode().split('id="subscribe"')[1].split("</form>")[0]
    assert "we will send a link to sub@example.com in a moment" in form
    [mail] = sent_mail()
    assert mail.to == ["sub@example.com"]
    assert "List-Unsubscribe" not in mail.extra_headers  # not a notification
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None

    link = subscription_link(mail)
    page = client.get(link).content.decode()  # what a mail scanner does
    assert "Confirm and subscribe" in page
    assert "sub@example.com" in page
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None

    response = client.post(link, follow=True)
    assert "Subscribed: every new comment" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    approved_author("ada@example.com")
    post_comment(client, digest, comment="News for the subscriber")
    assert to(sent_mail()) == ["sub@example.com", "sub@example.com"]
    notice = sent_mail()[1]
    assert "News for the subscriber" in notice.body
    assert "you subscribed to the comments on this digest" in notice.body
    assert notice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_subscription_link_expired_or_forged(client, digest, sent_mail, settings):
    subscribe(client, digest)
    link = subscription_link(sent_mail()[0])
    forged = link[:-3] + "xx/"
    for response in (client.get(forged), client.post(forged)):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    settings.COMMENTS_CONFIRM_MAX_AGE = -1
    response = client.post(link)
    assert response.status_code == 400
    assert "This link has expired. Subscribe again" in response.content.decode()
    assert Subscription.objects.get().confirmed_at is None


def test_subscribing_shares_the_confirmation_mail_limit(client, digest, sent_mail, settings):
    settings.COMMENTS_CONFIRMATION_MAILS_PER_HOUR = (1, 10)
    subscribe(client, digest)
    response = subscribe(client, digest)
    assert "already sent several confirmation mails" in response.content.decode()
    assert len(sent_mail()) == 1
    post_comment(client, digest, email="sub@example.com")  # a guest's comment, same address
    assert len(sent_mail()) == 1


def test_subscribe_form_errors_keep_what_was_typed(client, digest, sent_mail):
    response = subscribe(client, digest, email="not-an-address")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'value="not-an-address"' in page
    assert subscribe(client, digest, honeypot="bot").status_code == 400
    closed = factories.make_digest("Closed", allow_comments=False)
    assert subscribe(client, closed).status_code == 403
    assert not Subscription.objects.exists()
    assert sent_mail() == []


def test_signed_in_reader_subscribes_at_once(client, digest, sent_mail):
    client.force_login(factories.make_editor(username="reader"))
    assert 'id="subscribe-email"' not in client.get(digest.get_absolute_url()).content.decode()
    response = subscribe(client, digest, email="")
    assert "Subscribed: every new comment" in response.content.decode()
    assert Subscription.objects.get().email == "reader@example.com"
    assert Subscription.objects.get().confirmed_at is not None
    assert sent_mail() == []


def test_unsubscribe_page_shows_a_button_and_post_stops_everything(client, digest, sent_mail):
    approved_author("sub@example.com")
    approved_author("ada@example.com")
    post_comment(client, digest, email="sub@example.com", comment="Mine", notify_replies="on")
    post_comment(client, digest, email="sub@example.com", comment="Also", notify_all="on")
    confirmed_subscriber(digest)
    other = factories.make_digest("Other")
    confirmed_subscriber(other)
    post_comment(client, digest, comment="New one")
    [mail] = sent_mail()
    path = unsubscribe_path(mail)

    reader = Client(enforce_csrf_checks=True)
    page = reader.get(path)
    assert page.status_code == 200
    assert '<button type="submit">Unsubscribe</button>' in page.content.decode()
    assert Subscription.objects.count() == 2  # GET changed nothing
    # The page's button is a normal form: without the CSRF token it is refused.
    assert reader.post(path).status_code == 403
    assert Subscription.objects.count() == 2

    token = reader.cookies["csrftoken"].value
    response = reader.post(path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "sub@example.com gets no more mail" in response.content.decode()
    assert list(Subscription.objects.values_list("digest", flat=True)) == [other.pk]
    mine = DigestComment.objects.filter(user_email="sub@example.com")
    assert set(mine.values_list("notify", flat=True)) == {DigestComment.Notify.NONE}

    post_comment(client, digest, comment="Nobody hears of this one")
    post_comment(
        client, digest, reply_to=mine.first().pk, comment="Nor of this reply to sub's comment"
    )
    assert len(sent_mail()) == 1


def test_forged_unsubscribe_link(client, digest):
    path = unsubscribe_url("sub@example.com", digest.pk).removeprefix("http://testserver")
    forged = path[:-3] + "xx/"
    assert client.get(forged).status_code == 400
    assert "This link is not valid" in client.get(forged).content.decode()
    response = client.post(forged, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert client.get(path).status_code == 200


def test_held_and_unverified_comments_notify_no_reader(client, digest, sent_mail):
    confirmed_subscriber(digest)
    approved_author("carol@example.com")
    post_comment(client, digest, email="carol@example.com", notify_all="on", comment="Carol")
    carols = DigestComment.objects.get()
    assert to(sent_mail()) == ["sub@example.com"]

    # A guest's first comment, a reply to Carol: unverified, then held after confirming.
    post_comment(client, digest, reply_to=carols.pk, email="new@example.com", comment="Hi")
    assert to(sent_mail()) == ["sub@example.com", "new@example.com"]
    guest = DigestComment.objects.get(user_email="new@example.com")
    assert guest.state == DigestComment.State.UNVERIFIED
    post_after_commit(client, confirmation_link(sent_mail()[-1]))
    guest.refresh_from_db()
    assert guest.state == DigestComment.State.HELD
    assert len(sent_mail()) == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications.comment_published(guest)  # not public: nobody hears of it
    assert len(sent_mail()) == 2

    # A moderator approves it: the readers hear once, however often it is announced.
    guest.state = DigestComment.State.PUBLIC
    guest.save()
    for _ in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):
            notifications.comment_published(guest)
    assert to(sent_mail())[2:] == ["carol@example.com", "sub@example.com"]
    assert "replied to your comment" in sent_mail()[2].body


def test_mail_server_down_saves_the_reply_and_queues_its_mails(client, digest, settings, sent_mail):
    approved_author("ada@example.com")
    approved_author("bob@example.com")
    post_comment(client, digest, comment="Parent", notify_replies="on")
    parent = DigestComment.objects.get()
    confirmed_subscriber(digest)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    response = post_comment(
        client, digest, reply_to=parent.pk, email="bob@example.com", comment="Reply"
    )
    assert response.status_code == 302
    assert DigestComment.objects.filter(comment="Reply", state="public").exists()
    assert sent_mail() == []
    waiting = Delivery.objects.filter(status="pending", last_error__contains="ConnectionRefused")
    assert sorted(waiting.values_list("to", flat=True)) == ["ada@example.com", "sub@example.com"]


def test_purge_unconfirmed_comments_and_subscriptions(client, digest, settings, capsys):
    approved_author("ada@example.com")
    post_comment(client, digest, comment="Public and old")
    post_comment(client, digest, email="guest@example.com", comment="Unconfirmed and old")
    post_comment(client, digest, email="guest2@example.com", comment="Unconfirmed, new")
    old = timezone.now() - timedelta(seconds=settings.COMMENTS_CONFIRM_MAX_AGE + 60)
    DigestComment.objects.exclude(comment="Unconfirmed, new").update(submit_date=old)
    Subscription.objects.create(digest=digest, email="a@example.com", created_at=old)
    Subscription.objects.create(digest=digest, email="b@example.com")
    Subscription.objects.create(
        digest=digest, email="c@example.com", created_at=old, confirmed_at=old
    )

    call_command("purge_unconfirmed_comments", "--dry-run")
    assert "Would delete 1 unconfirmed comment and 1 unconfirmed subscription." in (
        capsys.readouterr().out
    )
    assert DigestComment.objects.count() == 3

    call_command("purge_unconfirmed_comments")
    assert "Deleted 1 unconfirmed comment and 1 unconfirmed subscription." in (
        capsys.readouterr().out
    )
    assert sorted(DigestComment.objects.values_list("comment", flat=True)) == [
        "Public and old",
        "Unconfirmed, new",
    ]
    assert sorted(Subscription.objects.values_list("email", flat=True)) == [
        "b@example.com",
        "c@example.com",
    ]
