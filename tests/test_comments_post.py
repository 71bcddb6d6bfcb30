import time

import pytest
from django.urls import reverse

from comments.models import DigestComment, VerifiedEmail
from mailer.models import Delivery
from tests import factories
from tests.comment_helpers import (
    approved_author,
    confirmation_link,
    post_after_commit,
    post_comment,
    public,
)

pytestmark = pytest.mark.django_db


def test_guest_confirms_by_mail_then_the_first_comment_is_held(client, digest, sent_mail):
    response = post_comment(client, digest)
    comment = DigestComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#c{comment.pk}"
    assert comment.state == DigestComment.State.UNVERIFIED
    assert [m.to for m in sent_mail()] == [["ada@example.com"]]
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "a link is on its way to you" in page  # the author sees their own pending comment
    assert "A thoughtful comment" in page
    assert "A thoughtful comment" not in factories_client_page(digest)

    link = confirmation_link(sent_mail()[0])
    assert "Confirm my address" in client.get(link).content.decode()  # GET changes nothing
    assert DigestComment.objects.get().state == DigestComment.State.UNVERIFIED
    response = post_after_commit(client, link)
    comment.refresh_from_db()
    assert comment.state == DigestComment.State.HELD
    assert comment.moderation_reason == "first comment from this address"
    assert VerifiedEmail.objects.filter(email="ada@example.com").exists()
    assert (
        "Your comment is awaiting moderation"
        in client.get(digest.get_absolute_url()).content.decode()
    )


def factories_client_page(digest):
    from django.test import Client

    return Client().get(digest.get_absolute_url()).content.decode()


def test_known_author_is_published_at_once(client, digest, sent_mail):
    approved_author()
    post_comment(client, digest)
    comment = DigestComment.objects.get()
    assert comment.state == DigestComment.State.PUBLIC
    assert "A thoughtful comment" in factories_client_page(digest)
    assert sent_mail() == []  # no confirmation needed, nobody subscribed


def test_verified_but_never_approved_address_skips_the_mail_but_is_held(client, digest, sent_mail):
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest)
    assert DigestComment.objects.get().state == DigestComment.State.HELD
    assert all("Confirm" not in m.subject for m in sent_mail())


def test_expired_or_forged_confirmation_link(client, digest, sent_mail, settings):
    post_comment(client, digest)
    link = confirmation_link(sent_mail()[0])
    forged = link[:-3] + "xx/"
    assert "not valid" in client.post(forged).content.decode()
    settings.COMMENTS_CONFIRM_MAX_AGE = -1
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert DigestComment.objects.get().state == DigestComment.State.UNVERIFIED


def test_replies_nest_under_their_parent(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    approved_author("bob@example.com")
    post_comment(client, digest, comment="First")
    first = DigestComment.objects.get()
    client.cookies.clear()
    post_comment(client, digest, comment="Second at top")
    post_comment(client, digest, reply_to=first.pk, comment="A reply", email="bob@example.com")
    comments = public(digest)
    assert [c.comment for c in comments] == ["First", "A reply", "Second at top"]
    reply = comments[1]
    assert (reply.parent_id, reply.level, reply.thread_id) == (first.pk, 1, first.pk)
    page = factories_client_page(digest)
    assert page.index("First") < page.index("A reply") < page.index("Second at top")
    assert 'class="comment-list comment-list--children"' in page
    assert "3 comments" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "n" * 246, "Your name can be at most 245 characters long; yours has 246"),
        ("email", "a" * 250 + "@x.io", "at most 254 characters"),
        ("url", "https://e.com/" + "a" * 190, "at most 200 characters long"),
        (
            "comment",
            "c" * 10_001,
            "A comment can be at most 10,000 characters long; yours has 10001",
        ),
        ("url", "javascript:alert(1)", "Give a web address starting with http:// or https://."),
        ("url", "ftp://example.com/x", "Give a web address starting with http:// or https://."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("comment", "   ", "This field is required."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_the_text(client, digest, field, value, message):
    response = post_comment(client, digest, **{field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing you typed is lost" in page
    if field != "comment":
        assert "A thoughtful comment about physics." in page
    assert not DigestComment.objects.exists()


def test_long_name_is_stored_whole(client, digest):
    approved_author()
    post_comment(client, digest, name="N" * 245)
    assert DigestComment.objects.get().user_name == "N" * 245


def test_honeypot_and_tampered_security_fields_are_refused(client, digest):
    assert post_comment(client, digest, honeypot="I am a bot").status_code == 400
    assert post_comment(client, digest, security_hash="0" * 40).status_code == 400
    assert post_comment(client, digest, timestamp="1").status_code == 400
    assert not DigestComment.objects.exists()


def test_second_comment_within_15_seconds_gets_429(client, digest, settings):
    approved_author()
    post_comment(client, digest, comment="One")
    response = post_comment(client, digest, comment="Two")
    assert response.status_code == 429
    assert "commenting too quickly" in response.content.decode()
    assert "Two" in response.content.decode()
    assert DigestComment.objects.count() == 1


def test_same_text_is_stored_once(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    first = post_comment(client, digest, comment="Same words")
    second = post_comment(client, digest, comment="Same  words")
    assert DigestComment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_comment_markup_is_safe_and_links_are_nofollow(client, digest):
    approved_author()
    text = "#!markdown\n<script>alert(1)</script> <b onclick=x>hi</b> see https://example.org/x."
    post_comment(client, digest, comment=text)
    html = DigestComment.objects.get().comment_html
    assert "<script" not in html and "onclick" not in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html
    page = factories_client_page(digest)
    assert "alert(1)" not in page.split('id="comments"')[1]


def test_signed_in_reader_gives_no_name_or_email(client, digest):
    user = factories.make_editor(username="reader", first_name="Rea", last_name="Der")
    client.force_login(user)
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "Logged in as <bdi>Rea Der</bdi>" in page
    assert 'name="email"' not in page and 'name="name"' not in page
    response = post_comment(client, digest, name="", email="")
    assert response.status_code == 302
    comment = DigestComment.objects.get()
    assert comment.user == user and comment.name == "Rea Der"
    assert comment.state == DigestComment.State.PUBLIC  # staff


def test_comments_closed_per_digest_and_after_n_days(client, settings):
    closed = factories.make_digest("Closed", allow_comments=False)
    assert "Comments are closed." in client.get(closed.get_absolute_url()).content.decode()
    assert post_comment(client, closed).status_code == 403
    from datetime import timedelta

    from django.utils import timezone

    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = factories.make_digest("Old", published_at=timezone.now() - timedelta(days=31))
    assert "Comments are closed." in client.get(old.get_absolute_url()).content.decode()
    assert post_comment(client, old).status_code == 403


def test_remember_me_fills_the_form_next_time(client, digest):
    approved_author()
    post_comment(client, digest, remember="on", url="https://ada.example")
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'value="Ada Reader"' in page and 'value="ada@example.com"' in page
    assert 'value="https://ada.example"' in page


def test_without_remember_me_nothing_is_kept(client, digest):
    approved_author()
    post_comment(client, digest)
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'value="ada@example.com"' not in page


def test_home_shows_comment_counts_without_extra_queries(client, digest):
    approved_author()
    post_comment(client, digest)
    page = client.get(reverse("blog:digest-list")).content.decode()
    assert "1 comment<" in page


def test_reply_without_javascript_uses_replytocom(client, digest):
    approved_author()
    post_comment(client, digest, comment="Parent")
    parent = DigestComment.objects.get()
    page = client.get(f"{digest.get_absolute_url()}?replytocom={parent.pk}").content.decode()
    assert "Reply to Ada Reader" in page
    assert f'name="reply_to" value="{parent.pk}"' in page


def test_mail_server_down_loses_nothing(client, digest, settings, sent_mail):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    settings.MAIL_RETRY_SECONDS = 0.2
    response = post_comment(client, digest)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "we will send a link to ada@example.com in a moment" in page
    assert DigestComment.objects.count() == 1
    assert sent_mail() == []
    [delivery] = Delivery.objects.all()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in delivery.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # back up
    time.sleep(0.3)  # the retry's run_after
    assert [m.to for m in sent_mail()] == [["ada@example.com"]]
    assert Delivery.objects.get().status == "sent"


def test_reply_under_a_hidden_comment_hangs_under_a_placeholder(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    approved_author("bob@example.com")
    post_comment(client, digest, comment="Parent words")
    parent = DigestComment.objects.get()
    post_comment(client, digest, reply_to=parent.pk, comment="Child words", email="bob@example.com")
    parent.state = DigestComment.State.SPAM
    parent.save()
    child = DigestComment.objects.get(comment="Child words")
    assert child.state == DigestComment.State.PUBLIC and child.is_public  # no xtd cascade
    page = factories_client_page(digest)
    assert "Parent words" not in page
    section = page.split('id="comments"')[1]
    assert section.index("This comment is not shown.") < section.index("Child words")
    assert "comment-list--children" in section


def test_duplicate_post_does_not_hand_over_the_comment(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    post_comment(client, digest, comment="Mine")
    from django.test import Client

    stranger = Client()
    response = post_comment(stranger, digest, comment="Mine")
    assert response.status_code == 302
    assert "Edit your comment" not in stranger.get(digest.get_absolute_url()).content.decode()


def test_rate_limit_per_ip_in_the_shared_cache(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_RATE_LIMIT = (2, 3600)
    approved_author()
    assert post_comment(client, digest, comment="One").status_code == 302
    assert post_comment(client, digest, comment="Two").status_code == 302
    response = post_comment(client, digest, comment="Three", email="other@example.com")
    assert response.status_code == 429
    assert "Too many comments from your network: at most 2 every 60 minutes" in (
        response.content.decode()
    )
    assert DigestComment.objects.count() == 2


def test_confirmation_mails_are_limited_per_address_and_per_ip(client, digest, settings, sent_mail):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_CONFIRMATION_MAILS_PER_HOUR = (2, 3)
    for n in range(3):
        post_comment(client, digest, comment=f"Victim {n}", email="victim@example.com")
    assert [m.to for m in sent_mail()] == [["victim@example.com"]] * 2
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "already sent several confirmation mails" in page
    for n in range(2):
        post_comment(client, digest, comment=f"Other {n}", email=f"other{n}@example.com")
    # The third mail from this IP went out; the fourth did not.
    assert len(sent_mail()) == 3
    assert DigestComment.objects.filter(state=DigestComment.State.UNVERIFIED).count() == 5
