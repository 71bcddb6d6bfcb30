"""What editors see of the fediverse in the admin, and a scheduled digest's delivery."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fediverse.models import (
    Activity,
    Block,
    Delivery,
    Follower,
    Inbox,
    InboxActivity,
    KeyPair,
    RemoteActor,
)  # fmt: skip
from tests import factories


@pytest.fixture
def fediverse(settings, db):
    settings.FEDIVERSE_ENABLED = True


def remote(n, inbox):
    actor = RemoteActor.objects.create(
        uri=f"https://social.example/users/u{n}", key_id=f"https://social.example/users/u{n}#k",
        public_key_pem="-", inbox=f"https://social.example/users/u{n}/inbox",
        handle=f"u{n}@social.example", name=f"User {n}",
    )  # fmt: skip
    return Follower.objects.create(actor=actor, inbox=inbox)


def test_editors_see_followers_inbox_activity_failed_deliveries_and_blocks(
    client, editor, fediverse
):
    client.force_login(editor)
    inbox = Inbox.objects.create(url="https://social.example/inbox")
    for n in range(3):
        remote(n, inbox)
    InboxActivity.objects.create(
        uri="https://social.example/a/1", kind="Follow", actor="https://social.example/users/u1",
        result="follower added, Accept sent",
    )  # fmt: skip
    activity = Activity.objects.create(uri="https://testserver/x#create", kind="Create", payload={})
    failed = Delivery.objects.create(
        activity=activity, inbox=inbox, status=Delivery.Status.FAILED, attempts=8,
        last_error="https://social.example/inbox answered 503",
    )  # fmt: skip
    Block.objects.create(kind=Block.Kind.INSTANCE, value="Spam.Example", reason="spam")

    page = client.get(reverse("admin:fediverse_follower_changelist")).content.decode()
    assert "Fediverse followers: 3" in page and "@u2@social.example" in page
    page = client.get(reverse("admin:fediverse_inboxactivity_changelist")).content.decode()
    assert "follower added, Accept sent" in page
    url = reverse("admin:fediverse_delivery_changelist")
    page = client.get(url, {"status__exact": "failed"}).content.decode()
    assert "answered 503" in page
    page = client.get(reverse("admin:fediverse_block_changelist")).content.decode()
    assert "spam.example" in page  # stored in lower case, as hosts are compared

    answer = client.post(
        url, {"action": "send_again", "_selected_action": [failed.pk]}, follow=True
    )
    assert "1 deliveries queued again." in answer.content.decode()
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.PENDING and failed.attempts == 0


def test_the_key_pair_page_never_shows_the_private_key(client, editor, fediverse):
    client.force_login(editor)
    client.get("/fediverse/actor")
    pair = KeyPair.objects.get()
    page = client.get(reverse("admin:fediverse_keypair_change", args=[pair.pk])).content.decode()
    assert "BEGIN PUBLIC KEY" in page and "PRIVATE" not in page


def test_a_scheduled_digest_is_published_at_its_date(fediverse, django_capture_on_commit_callbacks):
    later = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_digest("Later", published_at=later)
    [task] = DBTaskResult.objects.filter(task_path="fediverse.publishing.publish")
    assert abs((task.run_after - later).total_seconds()) < 1


def test_switched_off_nothing_is_queued(settings, db, django_capture_on_commit_callbacks):
    settings.FEDIVERSE_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_digest("Quiet")
    assert not DBTaskResult.objects.filter(task_path__startswith="fediverse.").exists()


def test_deleting_a_published_digest_sends_a_delete_to_followers(
    fediverse, django_capture_on_commit_callbacks
):
    from fediverse import publishing
    from fediverse.models import Publication

    remote(1, Inbox.objects.create(url="https://social.example/inbox"))
    digest = factories.make_digest("Going away")
    assert publishing.publish.call(digest.pk) == "Create"
    article_id = Publication.objects.get().uri
    with django_capture_on_commit_callbacks(execute=True):
        digest.delete()
    delete = Activity.objects.get(kind="Delete")
    assert delete.payload["object"] == {"id": article_id, "type": "Tombstone"}
    assert delete.deliveries.get().inbox.url == "https://social.example/inbox"
    assert not Publication.objects.get().live


def test_blocking_a_server_stops_delivering_to_its_followers(client, editor, fediverse):
    client.force_login(editor)
    remote(1, Inbox.objects.create(url="https://social.example/inbox"))
    other = RemoteActor.objects.create(
        uri="https://elsewhere.example/users/x", key_id="https://elsewhere.example/users/x#k",
        public_key_pem="-", inbox="https://elsewhere.example/users/x/inbox",
    )  # fmt: skip
    Follower.objects.create(actor=other, inbox=Inbox.objects.create(url=other.inbox))
    answer = client.post(
        reverse("admin:fediverse_block_add"),
        {"kind": "instance", "value": "Social.example", "reason": "spam"},
        follow=True,
    )
    assert "1 followers there no longer get the digests." in answer.content.decode()
    assert list(Follower.objects.values_list("actor__uri", flat=True)) == [other.uri]


def test_old_news_is_not_pushed(fediverse, django_capture_on_commit_callbacks):
    from blog.news import not_news

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_digest("Back-dated", published_at=timezone.now() - timedelta(days=3))
        with not_news():
            factories.make_digest("Imported", published_at=timezone.now())
    assert not DBTaskResult.objects.filter(task_path="fediverse.publishing.publish").exists()
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_digest("Fresh", published_at=timezone.now())
    assert DBTaskResult.objects.filter(task_path="fediverse.publishing.publish").count() == 1
