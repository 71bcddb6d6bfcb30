"""A digest keeps its public comment count and a version of its thread (comments.tally):
lists show the count without counting, and a digest page reads its shared thread whole,
drawn once per version. Whatever changes a thread, the next reader sees it, with no cache
at all (no_page_cache)."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from blog.models import Digest
from comments import actions
from comments.models import DigestComment
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

State = DigestComment.State


def count_of(digest):
    return Digest.objects.get(pk=digest.pk).comment_count


def page(digest, client=None):
    return (client or Client()).get(digest.get_absolute_url()).content.decode()


def thread(html):
    """The list of comments in a page (the forms below it carry tokens of their own)."""
    return html[html.index('id="comments"') : html.index('id="respond"')]


def test_the_count_follows_every_change_of_state(digest):
    first = factories.make_comment(digest, "One.")
    second = factories.make_comment(digest, "Two.", parent=first)
    factories.make_comment(digest, "Held.", state=State.HELD)
    assert count_of(digest) == 2
    DigestComment.objects.filter(pk=second.pk).set_state(State.SPAM)  # a bulk action
    assert count_of(digest) == 1
    actions.remove(first)  # kept for its replies, not counted
    assert count_of(digest) == 0
    DigestComment.objects.filter(state=State.HELD).set_state(State.PUBLIC)
    assert count_of(digest) == 1
    DigestComment.objects.filter(state=State.PUBLIC).delete()
    assert count_of(digest) == 0


def test_a_save_of_the_digest_never_writes_back_an_old_count(digest):
    stale = Digest.objects.get(pk=digest.pk)  # an editor's form, opened before the comment
    factories.make_comment(digest, "Posted meanwhile.")
    stale.title = "Renamed"
    stale.save()
    assert count_of(digest) == 1
    assert "1 comment" in Client().get(reverse("blog:digest-list")).content.decode()


def test_lists_show_counts_without_reading_a_single_comment(client, digest):
    for n in range(30):
        factories.make_comment(digest, f"Comment {n}.")
    client.get(reverse("blog:digest-list"))
    with CaptureQueriesContext(connection) as queries:
        home = client.get(reverse("blog:digest-list")).content.decode()
    assert "30 comments" in home
    assert not [q for q in queries.captured_queries if "django_comments" in q["sql"]]


def test_a_digest_page_reads_its_shared_thread_whole(client, digest):
    for n in range(20):
        factories.make_comment(digest, f"Comment {n}.")
    first = page(digest, client)
    with CaptureQueriesContext(connection) as queries:
        again = page(digest, client)
    assert again.count('class="comment"') == 20 and "Comment 19." in again
    assert not [q for q in queries.captured_queries if "comments_digestcomment" in q["sql"]]
    assert thread(again) == thread(first)

    factories.make_comment(digest, "A new one.")

    assert "A new one." in page(digest, client) and "21 comments" in page(digest, client)


def test_a_new_avatar_shows_in_the_threads_of_its_owner(digest, django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@example.com", "pw")
    profile = Profile.objects.create(user=user, display_name="Ada Lovelace")
    factories.make_comment(digest, "Signed in.", user=user, user_name="")
    assert "/avatars/" not in page(digest)

    profile.avatar.save("ada.png", ContentFile(factories.image_bytes("PNG")), save=True)

    assert profile.avatar.url in page(digest)


def test_opening_and_closing_comments_shows_at_once(digest):
    factories.make_comment(digest, "Answer me.")
    assert 'class="comment__reply"' in page(digest)
    Digest.objects.filter(pk=digest.pk).update(allow_comments=False)  # no signal at all

    seen = page(digest)

    assert "Answer me." in seen and 'class="comment__reply"' not in seen
