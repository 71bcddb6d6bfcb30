"""Authors edit or delete their own comment for 15 minutes, from the browser they wrote it in."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import DigestComment
from tests import factories
from tests.comment_helpers import approved_author, post_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward by some minutes for everything that asks timezone.now()."""
    real_now = timezone.now

    def move(minutes):
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=minutes))

    return move


@pytest.fixture
def own_comment(client, digest):
    """A public comment the default test client wrote."""
    approved_author()
    post_comment(client, digest, comment="Original words", url="https://ada.example")
    return DigestComment.objects.get()


def edit_url(comment):
    return reverse("comments:edit", args=[comment.pk])


def delete_url(comment):
    return reverse("comments:delete", args=[comment.pk])


def page_of(client, digest):
    return client.get(digest.get_absolute_url()).content.decode()


def test_only_the_author_sees_edit_links_and_the_time_left(client, digest, own_comment, later):
    page = page_of(client, digest)
    assert f'href="{edit_url(own_comment)}"' in page
    assert f'href="{delete_url(own_comment)}"' in page
    assert "You can edit this for 15 more minutes." in page

    later(3.5)
    assert "You can edit this for 12 more minutes." in page_of(client, digest)
    later(14.5)
    assert "You can edit this for 1 more minute." in page_of(client, digest)

    other = page_of(Client(), digest)
    assert "Original words" in other
    assert edit_url(own_comment) not in other and "You can edit this" not in other

    later(15)
    page = page_of(client, digest)
    assert "Original words" in page
    assert edit_url(own_comment) not in page and "You can edit this" not in page


def test_edit_page_shows_the_text_and_saving_cleans_it_again(client, digest, own_comment):
    page = client.get(edit_url(own_comment)).content.decode()
    assert "Original words</textarea>" in page
    assert "You can edit this for 15 more minutes." in page

    new_text = "Better words <script>alert(1)</script> see https://example.org/x"
    response = client.post(edit_url(own_comment), {"comment": new_text})
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#c{own_comment.pk}"

    own_comment.refresh_from_db()
    assert own_comment.comment == new_text
    assert "<script" not in own_comment.comment_html
    assert (
        '<a href="https://example.org/x" rel="nofollow ugc noopener">' in own_comment.comment_html
    )
    assert own_comment.edited_at is not None
    assert own_comment.state == DigestComment.State.PUBLIC

    page = page_of(client, digest)
    assert "Your comment was updated." in page
    reader_page = page_of(Client(), digest)
    assert "Better words" in reader_page and "Original words" not in reader_page
    assert '<span class="comment__edited"' in reader_page and ">edited</span>" in reader_page
    assert "alert(1)" not in reader_page.split('id="comments"')[1]


def test_saving_unchanged_text_does_not_mark_it_edited(client, digest, own_comment):
    client.post(edit_url(own_comment), {"comment": "Original words"})
    own_comment.refresh_from_db()
    assert own_comment.edited_at is None
    assert ">edited</span>" not in page_of(client, digest)


def test_editing_into_a_copy_of_another_own_comment_is_refused(client, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    post_comment(client, digest, comment="One")
    post_comment(client, digest, comment="Two")
    second = DigestComment.objects.get(comment="Two")
    response = client.post(edit_url(second), {"comment": "One"})
    assert response.status_code == 400
    assert "You have already sent a comment with this text here." in response.content.decode()
    second.refresh_from_db()
    assert second.comment == "Two"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Write something before saving. To remove the comment, delete it instead."),
        ("c" * 10_001, "A comment can be at most 10,000 characters long; yours has 10001."),
    ],
)
def test_bad_input_gets_a_clear_message_and_loses_nothing(
    client, digest, own_comment, text, message
):
    response = client.post(edit_url(own_comment), {"comment": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Your comment was not changed" in page and "Nothing you typed is lost" in page
    if text.strip():
        assert f"{text}</textarea>" in page
    own_comment.refresh_from_db()
    assert own_comment.comment == "Original words" and own_comment.edited_at is None


def test_after_the_window_edit_and_delete_answer_403(client, digest, own_comment, later):
    later(16)
    response = client.get(edit_url(own_comment))
    assert response.status_code == 403
    assert "only in the first 15 minutes after it is sent" in response.content.decode()

    response = client.post(edit_url(own_comment), {"comment": "Too late, but kept"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "can no longer be edited or deleted" in page
    assert "Too late, but kept</textarea>" in page  # the reader can copy what they typed

    assert client.get(delete_url(own_comment)).status_code == 403
    assert client.post(delete_url(own_comment)).status_code == 403
    own_comment.refresh_from_db()
    assert own_comment.comment == "Original words"


def test_another_browser_cannot_edit_or_delete(digest, own_comment):
    stranger = Client()
    response = stranger.get(edit_url(own_comment))
    assert response.status_code == 403
    assert "Only the person who wrote this comment can change it" in response.content.decode()
    assert stranger.post(edit_url(own_comment), {"comment": "Hijacked"}).status_code == 403
    assert stranger.post(delete_url(own_comment)).status_code == 403
    own_comment.refresh_from_db()
    assert own_comment.comment == "Original words"


def test_a_forged_session_entry_is_not_enough(digest, own_comment):
    stranger = Client()
    session = stranger.session
    session["own_comments"] = {str(own_comment.pk): 1_000_000}  # right id, wrong time
    session.save()
    assert stranger.get(edit_url(own_comment)).status_code == 403


def test_pending_comments_can_be_edited_by_their_author_and_are_hidden_from_others(client, digest):
    post_comment(client, digest, comment="Waiting for my mail")
    comment = DigestComment.objects.get(state=DigestComment.State.UNVERIFIED)
    assert "You can edit this for 15 more minutes." in page_of(client, digest)
    client.post(edit_url(comment), {"comment": "Still waiting"})
    comment.refresh_from_db()
    assert comment.comment == "Still waiting"
    assert comment.state == DigestComment.State.UNVERIFIED

    assert Client().get(edit_url(comment)).status_code == 404
    assert client.get(reverse("comments:edit", args=[comment.pk + 100])).status_code == 404


def test_editing_in_many_links_sends_a_public_comment_to_moderation(client, digest, own_comment):
    links = " ".join(f"https://spam.example/{i}" for i in range(5))
    client.post(edit_url(own_comment), {"comment": f"Buy now {links}"})
    own_comment.refresh_from_db()
    assert own_comment.state == DigestComment.State.HELD
    assert own_comment.moderation_reason == "5 links (more than 2)"
    page = page_of(client, digest)
    assert "Your edited comment is awaiting moderation." in page
    assert "Buy now" not in page_of(Client(), digest)


def test_delete_asks_first_then_removes_the_comment(client, digest, own_comment):
    page = client.get(delete_url(own_comment)).content.decode()
    assert "Delete your comment" in page and "Original words" in page
    assert "It is removed for good." in page
    assert '<form class="comment-form" method="post">' in page
    assert DigestComment.objects.exists()  # GET changes nothing

    response = client.post(delete_url(own_comment))
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#comments"
    assert not DigestComment.objects.exists()
    page = page_of(client, digest)
    assert "Your comment was deleted." in page
    assert "Original words" not in page
    assert "No comments yet" in page


def test_deleting_a_comment_with_replies_keeps_the_thread(client, digest, own_comment, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author("bob@example.com")
    replier = Client()
    post_comment(
        replier, digest, reply_to=own_comment.pk, name="Bob", email="bob@example.com",
        comment="I agree with Ada",
    )  # fmt: skip
    assert "Others have replied to it" in client.get(delete_url(own_comment)).content.decode()

    response = client.post(delete_url(own_comment))
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#c{own_comment.pk}"
    own_comment.refresh_from_db()
    assert own_comment.comment == "This comment was deleted."
    assert (own_comment.user_name, own_comment.user_email, own_comment.user_url) == ("", "", "")

    page = page_of(Client(), digest)
    assert "This comment was deleted." in page
    assert "Ada Reader" not in page and "Original words" not in page
    assert "ada.example" not in page
    deleted_at, reply_at = page.index("This comment was deleted."), page.index("I agree with Ada")
    assert deleted_at < page.index("comment-list--children") < reply_at
    # No editing a placeholder, and no Reply link on it.
    assert client.get(edit_url(own_comment)).status_code == 404
    assert f"replytocom={own_comment.pk}" not in page

    # Deleting the reply (a leaf) removes it; the placeholder stays.
    reply = DigestComment.objects.get(user_name="Bob")
    replier.post(delete_url(reply))
    assert list(DigestComment.objects.values_list("pk", flat=True)) == [own_comment.pk]


def test_signed_in_readers_edit_their_own_comments_from_any_browser(digest, later):
    user = factories.make_editor(username="reader", first_name="Rea", last_name="Der")
    author = Client()
    author.force_login(user)
    post_comment(author, digest, name="", email="", comment="From my account")
    comment = DigestComment.objects.get()

    elsewhere = Client()
    elsewhere.force_login(user)  # a new session: the account is what counts
    assert "You can edit this for 15 more minutes." in page_of(elsewhere, digest)
    elsewhere.post(edit_url(comment), {"comment": "Edited on my phone"})
    comment.refresh_from_db()
    assert comment.comment == "Edited on my phone"

    someone_else = Client()
    someone_else.force_login(factories.make_editor(username="other"))
    assert someone_else.get(edit_url(comment)).status_code == 403

    later(16)
    assert elsewhere.get(edit_url(comment)).status_code == 403
    assert elsewhere.post(delete_url(comment)).status_code == 403
    assert DigestComment.objects.filter(pk=comment.pk).exists()
