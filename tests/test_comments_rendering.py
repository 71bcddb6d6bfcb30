"""Each comment is drawn once per version and stored; a thread is assembled from the
stored pieces. With no cache at all (no_page_cache), what readers see still changes with
every edit, moderation, removal, renamed account and changed template."""

import shutil
from pathlib import Path

import pytest
from django.test import Client

from blog import fragments
from comments import actions
from comments.models import DigestComment
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

State = DigestComment.State
COMMENT_TEMPLATE = "comments/_comment.html"


def page(digest, client=None):
    return (client or Client()).get(digest.get_absolute_url()).content.decode()


def thread(html):
    """The list of comments in a page (the forms below it carry tokens of their own)."""
    return html[html.index('id="comments"') : html.index('id="respond"')]


def test_each_comment_is_drawn_once_and_then_reused(digest, drawn):
    first = factories.make_comment(digest, "The first words.")
    factories.make_comment(digest, "An answer.", parent=first, user_name="Bob Jones")
    factories.make_comment(digest, "Another thread.")

    before = thread(page(digest))
    assert drawn().count(COMMENT_TEMPLATE) == 3
    again = thread(page(digest))
    assert drawn().count(COMMENT_TEMPLATE) == 0
    assert again == before and "An answer." in again
    assert again.count('class="comment"') == 3


def test_an_edit_a_moderation_and_a_removal_show_at_once(digest, drawn):
    kept = factories.make_comment(digest, "Words to change.")
    held = factories.make_comment(digest, "Soon held.", user_name="Bob Jones")
    gone = factories.make_comment(digest, "Soon deleted.", parent=kept, user_name="Cy Young")
    factories.make_comment(digest, "An answer to the deleted one.", parent=gone)
    page(digest)
    drawn()  # forget the first drawings

    actions.save_text(kept, "Words changed.")
    DigestComment.objects.filter(pk=held.pk).set_state(State.HELD)
    actions.remove(gone)

    seen = page(digest)
    assert "Words changed." in seen and "Words to change." not in seen
    assert "Soon held." not in seen
    assert "Soon deleted." not in seen and "This comment was deleted." in seen
    assert "An answer to the deleted one." in seen
    # The edited comment and the deleted one; the answer is reused.
    assert drawn().count(COMMENT_TEMPLATE) == 2


def test_a_renamed_account_shows_its_new_name(digest, django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@example.com", "pw")
    factories.make_comment(digest, "Signed in.", user=user, user_name="")
    assert "<bdi>ada</bdi>" in page(digest)

    user.first_name, user.last_name = "Ada", "Lovelace"
    user.save()

    assert "<bdi>Ada Lovelace</bdi>" in page(digest)


def test_closing_comments_takes_the_reply_links_away(digest):
    factories.make_comment(digest, "Answer me.")
    assert 'class="comment__reply"' in page(digest)

    digest.allow_comments = False
    digest.save()

    seen = page(digest)
    assert "Answer me." in seen and 'class="comment__reply"' not in seen


@pytest.fixture
def changed_template(settings, tmp_path):
    """comments/_comment.html with a new class, found before the project's own, the process
    then starting afresh (as after a deploy)."""
    original = Path(settings.BASE_DIR, "templates", COMMENT_TEMPLATE)
    changed = tmp_path / COMMENT_TEMPLATE
    changed.parent.mkdir(parents=True)
    shutil.copy(original, changed)
    changed.write_text(changed.read_text().replace('<li class="comment', '<li class="comment v2'))

    def deploy():
        engine = settings.TEMPLATES[0]
        settings.TEMPLATES = [{**engine, "DIRS": [str(tmp_path), *engine["DIRS"]]}]
        fragments.sources_version.cache_clear()

    yield deploy
    fragments.sources_version.cache_clear()


def test_a_changed_template_draws_every_comment_again(digest, changed_template, drawn):
    factories.make_comment(digest, "Drawn with the old template.")
    factories.make_comment(digest, "This one too.")
    assert 'class="comment v2' not in page(digest)
    assert drawn().count(COMMENT_TEMPLATE) == 2

    changed_template()

    seen = page(digest)
    assert drawn().count(COMMENT_TEMPLATE) == 2
    assert seen.count('class="comment v2') == 2 and "Drawn with the old template." in seen


def test_the_readers_own_comment_is_drawn_for_them_alone(digest, drawn, django_user_model):
    author = django_user_model.objects.create_user("author", "author@example.com", "pw")
    factories.make_comment(digest, "Still editable.", user=author, user_email=author.email)
    reader = Client()
    reader.force_login(author)
    page(digest)  # drawn once for everyone
    drawn()

    mine, theirs = page(digest, reader), page(digest)

    assert 'class="comment__edit"' in mine and 'class="comment__edit"' not in theirs
    assert drawn().count(COMMENT_TEMPLATE) == 1  # the author's copy; the shared one is stored
    assert DigestComment.objects.get().html.count("comment__edit") == 0
