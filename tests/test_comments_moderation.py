"""Moderation: the rules a new comment meets, the editors' queue in the admin, their mails."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import DigestComment, VerifiedEmail
from tests import factories
from tests.comment_helpers import approved_author, post_comment

pytestmark = pytest.mark.django_db

State = DigestComment.State
CHANGELIST_URL = reverse("admin:comments_digestcomment_changelist")


@pytest.fixture(autouse=True)
def moderation_settings(settings):
    """The rules as configured here, whatever the environment says."""
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MAX_LINKS = 2
    settings.COMMENTS_MODERATION_WORDS = []
    settings.COMMENTS_DISALLOWED_WORDS = []
    settings.COMMENTS_HOLD_FIRST_COMMENT = True
    settings.COMMENTS_NOTIFY_EDITORS = True
    settings.COMMENTS_NOTIFY_EDITORS_OF_PUBLIC = False
    return settings


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def make_comment(digest, text="A comment.", state=State.HELD, parent=None, **fields):
    """Held unless said otherwise, from one address and IP: what the queue shows."""
    fields.setdefault("user_email", "ada@example.com")
    fields.setdefault("ip_address", "192.0.2.7")
    return factories.make_comment(digest, text, state=state, parent=parent, **fields)


def make_user(username, **fields):
    fields.setdefault("email", f"{username}@example.com")
    return get_user_model().objects.create_user(username, **fields)


def change_url(comment):
    return reverse("admin:comments_digestcomment_change", args=[comment.pk])


def run_action(client, action, comments):
    """Choose comments on the changelist and run an action, mails sent after the commit."""
    data = {"action": action, "_selected_action": [c.pk for c in comments]}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{CHANGELIST_URL}?state=all", data, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def stored(comment):
    return DigestComment.objects.get(pk=comment.pk)


# The note on the reader's own held comment (the flash message after posting says it too, once).
HELD_NOTE = '<p class="comment__status" role="status">Your comment is awaiting moderation.</p>'


# The rules, through the real posting view


def test_more_links_than_allowed_are_held_with_the_reason(client, digest):
    approved_author()
    post_comment(client, digest, comment="See https://a.example and https://b.example.")
    post_comment(
        client, digest, comment="Three: https://a.example https://b.example https://c.example"
    )
    two, three = DigestComment.objects.order_by("pk")
    assert two.state == State.PUBLIC
    assert (three.state, three.moderation_reason) == (State.HELD, "3 links (more than 2)")


def test_moderation_word_holds_whole_words_in_any_case(client, digest, settings):
    settings.COMMENTS_MODERATION_WORDS = ["ass", "free money"]
    approved_author()
    post_comment(client, digest, comment="What a class act; a passage worth reading.")
    post_comment(client, digest, comment="Kiss my ASS!")
    post_comment(client, digest, comment="Get FREE\n  money?")
    fine, rude, money = DigestComment.objects.order_by("pk")
    assert fine.state == State.PUBLIC
    assert (rude.state, rude.moderation_reason) == (
        State.HELD,
        "word on the moderation list: ass",
    )
    assert money.state == State.HELD


def test_moderation_word_in_the_name_or_website_holds_too(client, digest, settings):
    settings.COMMENTS_MODERATION_WORDS = ["pills"]
    approved_author()
    post_comment(client, digest, comment="Nice.", url="https://cheap-pills.example")
    assert DigestComment.objects.get().state == State.HELD


def test_an_ip_address_on_the_moderation_list_holds(client, digest, settings):
    settings.COMMENTS_MODERATION_WORDS = ["127.0.0.1"]  # the test client's address
    approved_author()
    post_comment(client, digest)
    assert DigestComment.objects.get().moderation_reason == "word on the moderation list: 127.0.0.1"


def test_disallowed_word_is_spam_and_nobody_gets_mail(client, digest, editor, sent_mail, settings):
    settings.COMMENTS_DISALLOWED_WORDS = ["casino"]
    response = post_comment(client, digest, comment="Best Casino bonus here")
    comment = DigestComment.objects.get()
    assert response.status_code == 302
    assert (comment.state, comment.moderation_reason) == (State.SPAM, "disallowed word: casino")
    assert (comment.is_public, comment.is_removed) == (False, True)
    assert sent_mail() == []  # no confirmation to the sender, no mail to the editors
    assert "Best Casino" not in client.get(digest.get_absolute_url()).content.decode()


def test_disallowed_word_only_as_a_whole_word(client, digest, settings):
    settings.COMMENTS_DISALLOWED_WORDS = ["sex"]
    approved_author()
    post_comment(client, digest, comment="Sussex and Essex have fine physics departments.")
    assert DigestComment.objects.get().state == State.PUBLIC


def test_first_comment_from_an_unknown_address_is_held(client, digest):
    VerifiedEmail.objects.create(email="ada@example.com")  # confirmed, never approved
    post_comment(client, digest)
    comment = DigestComment.objects.get()
    assert (comment.state, comment.moderation_reason) == (
        State.HELD,
        "first comment from this address",
    )


def test_first_comment_is_public_when_the_setting_is_off(client, digest, settings):
    settings.COMMENTS_HOLD_FIRST_COMMENT = False
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest)
    assert DigestComment.objects.get().state == State.PUBLIC


def test_known_approved_address_is_public(client, digest, sent_mail):
    approved_author()
    post_comment(client, digest)
    assert DigestComment.objects.get().state == State.PUBLIC
    assert sent_mail() == []  # editors hear of public comments only when asked


def test_staff_user_is_public_whatever_the_lists_say(client, digest, editor, settings):
    settings.COMMENTS_MODERATION_WORDS = ["physics"]
    settings.COMMENTS_DISALLOWED_WORDS = ["casino"]
    client.force_login(editor)
    text = "Physics, not casino: https://a.example https://b.example https://c.example"
    post_comment(client, digest, name="", email="", comment=text)
    comment = DigestComment.objects.get()
    assert (comment.state, comment.moderation_reason) == (State.PUBLIC, "")


def test_signed_in_reader_without_staff_rights_is_held_the_first_time(client, digest):
    reader = make_user("reader")
    client.force_login(reader)
    post_comment(client, digest, name="", email="")
    assert DigestComment.objects.get().state == State.HELD


# What the commenter and other readers see


def test_only_the_commenter_sees_their_held_comment_awaiting_moderation(client, digest):
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest, comment="My careful thoughts on entropy.")
    client.get(digest.get_absolute_url())  # the flash message is shown once
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "My careful thoughts on entropy." in page
    assert HELD_NOTE in page

    other = Client().get(digest.get_absolute_url()).content.decode()
    assert "My careful thoughts on entropy." not in other
    assert "awaiting moderation" not in other


def test_approved_comment_shows_to_everyone_without_the_note(client, digest, editor_client):
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest, comment="My careful thoughts on entropy.")
    run_action(editor_client, "approve", DigestComment.objects.all())
    client.get(digest.get_absolute_url())
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "My careful thoughts on entropy." in page
    assert "awaiting moderation" not in page
    assert (
        "My careful thoughts on entropy."
        in Client().get(digest.get_absolute_url()).content.decode()
    )


# Mails to the editors


def test_held_comment_mails_editors_and_the_digests_author(client, editor, sent_mail):
    author = make_user("writer")
    make_user("mailless", email="", is_staff=True)
    make_user("gone", is_staff=True, is_active=False)
    digest = factories.make_digest(author=author)
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest, comment="Held for a first look.")
    comment = DigestComment.objects.get()
    assert comment.state == State.HELD
    assert sorted(m.to[0] for m in sent_mail()) == ["editor@example.com", "writer@example.com"]
    mail = sent_mail()[0]
    assert mail.subject == f"Held comment on “{digest.title}”"
    assert f"http://testserver{change_url(comment)}" in mail.body
    assert "Held because: first comment from this address" in mail.body
    assert "Held for a first look." in mail.body


def test_editors_hear_of_held_comments_only_with_the_setting(
    client, digest, editor, sent_mail, settings
):
    settings.COMMENTS_NOTIFY_EDITORS = False
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest)
    assert DigestComment.objects.get().state == State.HELD
    assert sent_mail() == []


def test_editors_hear_of_public_comments_when_asked(client, digest, editor, sent_mail, settings):
    settings.COMMENTS_NOTIFY_EDITORS_OF_PUBLIC = True
    approved_author()
    post_comment(client, digest)
    comment = DigestComment.objects.get()
    assert comment.state == State.PUBLIC
    assert [(m.to, m.subject) for m in sent_mail()] == [
        (["editor@example.com"], f"New comment on “{digest.title}”")
    ]
    assert f"http://testserver{change_url(comment)}" in sent_mail()[0].body


def test_spam_mails_nobody_even_when_editors_hear_of_everything(
    client, digest, editor, sent_mail, settings
):
    settings.COMMENTS_NOTIFY_EDITORS_OF_PUBLIC = True
    settings.COMMENTS_DISALLOWED_WORDS = ["casino"]
    approved_author()
    post_comment(client, digest, comment="casino")
    assert DigestComment.objects.get().state == State.SPAM
    assert sent_mail() == []


# The admin queue


def test_queue_shows_held_comments_first_with_one_click_to_the_others(editor_client, digest):
    make_comment(digest, "Held words", State.HELD)
    make_comment(digest, "Public words", State.PUBLIC)
    make_comment(digest, "Spam words", State.SPAM)
    make_comment(digest, "Unconfirmed words", State.UNVERIFIED)

    page = editor_client.get(CHANGELIST_URL).content.decode()
    assert "Held comments, awaiting moderation" in page
    assert "Held words" in page
    assert "Public words" not in page and "Spam words" not in page
    for link in ("Held (1)", "Email not confirmed (1)", "Public (1)", "Spam (1)", "All (4)"):
        assert link in page
    assert '<a href="?state=public">Public (1)</a>' in page

    public = editor_client.get(f"{CHANGELIST_URL}?state=public").content.decode()
    assert "Public words" in public and "Held words" not in public
    spam = editor_client.get(f"{CHANGELIST_URL}?state=spam").content.decode()
    assert "Spam words" in spam and "Public words" not in spam
    everything = editor_client.get(f"{CHANGELIST_URL}?state=all").content.decode()
    for text in ("Held words", "Public words", "Spam words", "Unconfirmed words"):
        assert text in everything


def test_queue_row_shows_author_digest_link_reason_and_ip(editor_client):
    digest = factories.make_digest("Minds and machines")
    comment = make_comment(
        digest,
        "A long comment " + "about consciousness " * 10,
        user_url="https://ada.example",
        moderation_reason="first comment from this address",
        ip_address="198.51.100.4",
    )
    page = editor_client.get(CHANGELIST_URL).content.decode()
    assert "A long comment about consciousness" in page
    assert "about consciousness " * 10 not in page  # an excerpt, not the whole text
    assert '<bdi>Ada Reader</bdi><br><a href="mailto:ada@example.com">ada@example.com</a>' in page
    assert 'href="https://ada.example" rel="nofollow noopener noreferrer"' in page
    assert f'<a href="{digest.get_absolute_url()}#c{comment.pk}">Minds and machines</a>' in page
    assert "first comment from this address" in page
    assert "198.51.100.4" in page
    assert "Add comment" not in page  # comments come from readers


def test_queue_search_covers_name_email_and_text(editor_client, digest):
    make_comment(digest, "About entropy", user_name="Grace", user_email="grace@example.com")
    make_comment(digest, "About black holes", user_name="Alan", user_email="alan@example.org")
    for term in ("grace", "example.com", "entropy"):
        page = editor_client.get(f"{CHANGELIST_URL}?q={term}").content.decode()
        assert "About entropy" in page and "About black holes" not in page


def queries_for_changelist(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{CHANGELIST_URL}?state=all").status_code == 200
    return len(queries)


def test_queue_costs_the_same_few_queries_for_any_number_of_rows(
    editor_client, django_assert_num_queries
):
    digests = [factories.make_digest() for _ in range(5)]
    for n in range(4):
        make_comment(digests[n % 5], f"Comment {n}")
    few = queries_for_changelist(editor_client)
    for n in range(4, 20):
        make_comment(digests[n % 5], f"Comment {n}", state=State.PUBLIC if n % 2 else State.HELD)
    # Session, user, queue sizes, count, rows, first and last date, days (date hierarchy).
    with django_assert_num_queries(7):
        page = editor_client.get(f"{CHANGELIST_URL}?state=all").content.decode()
    assert page.count('class="action-select"') == 20
    assert all(d.title in page for d in digests)
    assert few == 7


# Bulk actions


def test_approve_publishes_marks_the_address_approved_and_tells_followers(
    editor_client, digest, sent_mail
):
    make_comment(
        digest, "I follow this digest", State.PUBLIC,
        user_email="fan@example.com", notify=DigestComment.Notify.ALL,
    )  # fmt: skip
    VerifiedEmail.objects.create(email="ada@example.com")  # confirmed, not yet approved
    first = make_comment(digest, "First held", State.HELD)
    second = make_comment(digest, "Second held", State.HELD, user_email="bob@example.com")
    already = make_comment(digest, "Already public", State.PUBLIC, user_email="cy@example.com")

    response = run_action(editor_client, "approve", [first, second, already])

    assert messages_of(response) == ["2 comments approved. 1 comment was already public."]
    assert [stored(c).state for c in (first, second)] == [State.PUBLIC, State.PUBLIC]
    assert stored(first).is_public
    approved = VerifiedEmail.objects.filter(has_approved_comment=True)
    assert set(approved.values_list("email", flat=True)) == {"ada@example.com", "bob@example.com"}
    assert sorted((m.to[0], m.subject) for m in sent_mail()) == [
        ("fan@example.com", f"New comment on “{digest.title}”"),
        ("fan@example.com", f"New comment on “{digest.title}”"),
    ]
    assert LogEntry.objects.filter(object_id=str(first.pk)).count() == 1
    page = Client().get(digest.get_absolute_url()).content.decode()
    assert "First held" in page and "Second held" in page


def test_approved_address_is_published_at_once_next_time(client, editor_client, digest):
    VerifiedEmail.objects.create(email="ada@example.com")
    post_comment(client, digest, comment="First")
    run_action(editor_client, "approve", DigestComment.objects.all())
    post_comment(client, digest, comment="Second")
    assert DigestComment.objects.get(comment="Second").state == State.PUBLIC


def test_unapprove_holds_and_mark_spam_hides(editor_client, digest, sent_mail):
    one = make_comment(digest, "One", State.PUBLIC)
    two = make_comment(digest, "Two", State.PUBLIC, user_email="bob@example.com")

    response = run_action(editor_client, "unapprove", [one, two])
    assert messages_of(response) == ["2 comments held."]
    assert {stored(c).state for c in (one, two)} == {State.HELD}
    assert not stored(one).is_public

    response = run_action(editor_client, "mark_spam", [one])
    assert messages_of(response) == ["1 comment marked as spam."]
    spam = stored(one)
    assert (spam.state, spam.is_public, spam.is_removed) == (State.SPAM, False, True)
    assert "One" not in Client().get(digest.get_absolute_url()).content.decode()

    response = run_action(editor_client, "mark_spam", [one])
    assert messages_of(response) == ["0 comments marked as spam. 1 comment was already spam."]
    assert sent_mail() == []


def test_delete_selected_comments(editor_client, digest):
    comments = [make_comment(digest, "Spam one", State.SPAM), make_comment(digest, "Spam two")]
    data = {"action": "delete_selected", "_selected_action": [c.pk for c in comments]}
    url = f"{CHANGELIST_URL}?state=all"
    page = editor_client.post(url, data).content.decode()
    assert "Are you sure you want to delete the selected comments?" in page
    response = editor_client.post(url, {**data, "post": "yes"}, follow=True)
    assert "Successfully deleted 2 comments." in messages_of(response)
    assert not DigestComment.objects.exists()


# The change form


def form_data(instance, **fields):
    """The change form's POST: the comment's editable fields, changed by fields."""
    return {
        "state": instance.state,
        "moderation_reason": instance.moderation_reason,
        "comment": instance.comment,
        "user_name": instance.user_name,
        "user_email": instance.user_email,
        "user_url": instance.user_url,
        "notify": instance.notify,
        "_save": "Save",
        **fields,
    }


def test_change_form_shows_thread_fields_read_only_and_no_target_fields(editor_client, digest):
    parent = make_comment(digest, "Parent", State.PUBLIC)
    reply = make_comment(digest, "Reply **text**", parent=parent)
    page = editor_client.get(change_url(reply)).content.decode()
    for editable in (
        "state",
        "comment",
        "user_name",
        "user_email",
        "user_url",
        "moderation_reason",
    ):
        assert f'name="{editable}"' in page
    for fixed in ("thread_id", "parent_id", "level", "order", "content_type", "object_pk", "site"):
        assert f'name="{fixed}"' not in page
    assert f'<a href="{change_url(parent)}">Comment {parent.pk}</a>' in page
    assert f'href="{digest.get_absolute_url()}#c{reply.pk}"' in page
    assert "As readers see it" in page and "<p>Reply **text**</p>" in page


def test_state_changed_on_the_form_approves_like_the_action(editor_client, digest, sent_mail):
    make_comment(
        digest, "Following", State.PUBLIC,
        user_email="fan@example.com", notify=DigestComment.Notify.ALL,
    )  # fmt: skip
    comment = make_comment(digest, "Held text")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = editor_client.post(change_url(comment), form_data(comment, state="public"))
    assert response.status_code == 302
    assert stored(comment).state == State.PUBLIC
    assert VerifiedEmail.objects.get(email="ada@example.com").has_approved_comment
    assert [m.to for m in sent_mail()] == [["fan@example.com"]]

    sent_mail().clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        editor_client.post(change_url(comment), form_data(stored(comment), moderation_reason="x"))
    assert sent_mail() == []  # saved again without a state change: nobody is told twice


def test_text_edited_in_the_admin_is_cleaned_again(editor_client, digest):
    comment = make_comment(digest, "Before", State.PUBLIC)
    text = "After <script>alert(1)</script><b onclick=x>bold</b> see https://example.org/x"
    editor_client.post(change_url(comment), form_data(comment, comment=text))
    html = stored(comment).comment_html
    assert "<script" not in html and "onclick" not in html
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html
    assert stored(comment).comment == text


def test_long_comments_and_names_readers_may_post_can_be_edited(editor_client, digest):
    comment = make_comment(digest, "x" * 9_000, user_name="N" * 245, state=State.PUBLIC)
    response = editor_client.post(change_url(comment), form_data(comment, comment="y" * 9_999))
    assert response.status_code == 302
    assert (stored(comment).comment, stored(comment).user_name) == ("y" * 9_999, "N" * 245)
    response = editor_client.post(change_url(comment), form_data(comment, user_name="N" * 246))
    assert "at most 245 characters" in response.content.decode()


# Who may moderate


def test_only_users_with_the_change_permission_see_the_queue(digest):
    make_comment(digest, "Held words")
    staff = make_user("helper", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(CHANGELIST_URL).status_code == 403
    assert "Held words" not in client.get(reverse("admin:index")).content.decode()

    staff.user_permissions.add(Permission.objects.get(codename="change_digestcomment"))
    page = client.get(CHANGELIST_URL).content.decode()
    assert "Held words" in page
    assert 'value="approve"' in page
    assert 'value="delete_selected"' not in page  # deleting needs its own permission


def test_deleting_a_digest_deletes_its_comments(editor_client):
    digest = factories.make_digest("Soon gone")
    make_comment(digest, "Orphaned words")
    other = factories.make_digest("Stays")
    make_comment(other, "Kept words")
    digest.delete()
    page = editor_client.get(CHANGELIST_URL + "?state=all").content.decode()
    assert "Orphaned words" not in page
    assert DigestComment.objects.count() == 1
