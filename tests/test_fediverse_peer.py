"""The blog and a remote fediverse server built with bovine, both on loopback: follow,
Accept, a published digest, a reply moderated into the thread, a like, a deletion, and
delivery's retries and 410s. bovine checks our signatures; we check bovine's."""

import pytest
import requests
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.utils import timezone

from comments import actions
from comments.models import DigestComment
from fediverse.models import Delivery, Follower, Inbox, RemoteActor
from tests import factories
from tests.fediverse_peer import AP, remote_peer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def blog(settings, live_server, run_worker):
    """The blog at live_server, under its own address, with the fediverse on."""
    settings.FEDIVERSE_ENABLED = True
    settings.FEDIVERSE_RETRY_SECONDS = 0
    host = live_server.url.removeprefix("http://")
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": host})
    Site.objects.clear_cache()
    yield live_server
    Site.objects.clear_cache()


@pytest.fixture
def peer(settings, blog):
    with remote_peer(settings) as peer:
        yield peer


def work(run_worker):
    """Run the worker until no task is due (a task may queue others)."""
    for _ in range(3):
        run_worker()


def follow(peer, blog):
    actor = peer.lookup(f"blog@{blog.url.removeprefix('http://')}", blog.url)
    status, _text = peer.post(
        f"{blog.url}/fediverse/inbox",
        {"id": f"{peer.actor_id}#follow-1", "type": "Follow", "actor": peer.actor_id,
         "object": actor},
    )  # fmt: skip
    return actor, status


def test_a_remote_server_follows_gets_the_digest_replies_likes_and_deletes(peer, blog, run_worker):
    actor, status = follow(peer, blog)
    assert actor == f"{blog.url}/fediverse/actor"
    assert status == 202
    work(run_worker)
    [(path, accept, signer)] = peer.received
    assert path == "/users/alice/inbox" and accept["type"] == "Accept"
    assert signer == actor  # bovine checked our signature against our actor's key
    assert accept["object"]["id"] == f"{peer.actor_id}#follow-1"
    assert Follower.objects.get().inbox.url == f"{peer.base}/inbox"  # the shared inbox

    digest = factories.make_digest("Seven good videos", items=2, published_at=timezone.now())
    work(run_worker)
    path, create, signer = peer.received[-1]
    assert (path, create["type"], signer) == ("/inbox", "Create", actor)
    article = create["object"]
    assert article["type"] == "Article" and article["name"] == "Seven good videos"
    assert "item 2" in article["content"]

    page_url = blog.url + digest.get_absolute_url()
    assert requests.get(page_url, headers={"Accept": AP}, timeout=10).json()["id"] == article["id"]

    note_id = f"{peer.actor_id}/statuses/1"
    status, _text = peer.post(
        f"{blog.url}/fediverse/inbox",
        {"id": f"{note_id}/activity", "type": "Create", "actor": peer.actor_id,
         "object": {"id": note_id, "type": "Note", "attributedTo": peer.actor_id,
                    "inReplyTo": article["id"],
                    "content": '<p>Lovely list<script>alert("x")</script></p>'}},
    )  # fmt: skip
    assert status == 202
    comment = DigestComment.objects.get()
    assert comment.state == DigestComment.State.HELD  # a first comment, as for guests
    assert "Lovely list" not in requests.get(page_url, timeout=10).text
    actions.move(comment, DigestComment.State.PUBLIC)
    page = requests.get(page_url, timeout=10).text
    assert "Lovely list" in page and "Alice Remote" in page
    assert "<script>alert" not in page
    avatar = RemoteActor.objects.get().avatar
    assert avatar and avatar.url in page  # stored here, never loaded from her server

    status, _text = peer.post(
        f"{blog.url}/fediverse/inbox",
        {"id": f"{peer.actor_id}#like-1", "type": "Like", "actor": peer.actor_id,
         "object": article["id"]},
    )  # fmt: skip
    assert status == 202
    assert "From the fediverse: 1 like." in requests.get(page_url, timeout=10).text

    status, _text = peer.post(
        f"{blog.url}/fediverse/inbox",
        {"id": f"{note_id}#delete", "type": "Delete", "actor": peer.actor_id,
         "object": {"id": note_id, "type": "Tombstone"}},
    )  # fmt: skip
    assert status == 202
    assert "Lovely list" not in requests.get(page_url, timeout=10).text
    assert not DigestComment.objects.exists()


def test_edits_and_unpublishing_are_delivered_and_a_gone_inbox_is_dropped(peer, blog, run_worker):
    follow(peer, blog)
    work(run_worker)
    digest = factories.make_digest("Scheduled news", published_at=timezone.now())
    work(run_worker)
    digest.title = "Better news"
    digest.save()
    work(run_worker)
    kinds = [(activity["type"], signer) for _path, activity, signer in peer.received]
    assert [kind for kind, _ in kinds] == ["Accept", "Create", "Update"]
    assert peer.received[-1][1]["object"]["name"] == "Better news"
    assert all(signer for _, signer in kinds)

    peer.inbox_status = 410
    digest.status = digest.Status.DRAFT
    digest.save()
    work(run_worker)
    assert peer.received[-1][1]["type"] == "Delete"
    assert Inbox.objects.get(url=f"{peer.base}/inbox").gone_at is not None
    assert Delivery.objects.filter(status=Delivery.Status.GONE).count() == 1
    before = len(peer.received)
    digest.status = digest.Status.PUBLISHED
    digest.save()
    work(run_worker)
    assert len(peer.received) == before  # nothing more to an inbox that said 410


def test_a_refusing_inbox_is_retried_then_shows_as_failed(peer, blog, run_worker, settings):
    settings.FEDIVERSE_MAX_ATTEMPTS = 3
    follow(peer, blog)
    work(run_worker)
    peer.inbox_status = 503
    factories.make_digest("Retried", published_at=timezone.now())
    work(run_worker)
    work(run_worker)
    delivery = Delivery.objects.get(activity__kind="Create")
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 3 and "503" in delivery.last_error


def test_replies_are_edited_boosts_counted_comments_sent_keys_rotated_and_follows_undone(
    peer, blog, run_worker, settings
):
    settings.FEDIVERSE_DELIVER_COMMENTS = True
    inbox = f"{blog.url}/fediverse/inbox"
    actor, _status = follow(peer, blog)
    digest = factories.make_digest("Boosted", published_at=timezone.now())
    work(run_worker)
    article_id = peer.received[-1][1]["object"]["id"]
    note_id = f"{peer.actor_id}/statuses/2"
    note = {"id": note_id, "type": "Note", "attributedTo": peer.actor_id,
            "inReplyTo": article_id, "content": "<p>First words</p>"}  # fmt: skip
    create = {"id": f"{note_id}/c", "type": "Create", "actor": peer.actor_id, "object": note}
    assert peer.post(inbox, create)[0] == 202
    remote = DigestComment.objects.get()
    actions.move(remote, DigestComment.State.PUBLIC)
    edit = {**note, "content": "<p>Second thoughts</p>"}
    update = {"id": f"{note_id}/u", "type": "Update", "actor": peer.actor_id, "object": edit}
    assert peer.post(inbox, update)[0] == 202
    page_url = blog.url + digest.get_absolute_url()
    page = requests.get(page_url, timeout=10).text
    assert "Second thoughts" in page and "First words" not in page

    boost = {"id": f"{peer.actor_id}#boost", "type": "Announce", "actor": peer.actor_id,
             "object": article_id}  # fmt: skip
    assert peer.post(inbox, boost)[0] == 202
    assert "From the fediverse: 1 boost." in requests.get(page_url, timeout=10).text

    # An editor's reply to her comment goes back to her server as a Note replying to hers;
    # her own comment was never sent back.
    held = DigestComment.State.HELD
    reply = factories.make_comment(digest, "Thanks!", parent=remote, user_name="Ed", state=held)
    actions.move(reply, DigestComment.State.PUBLIC)
    work(run_worker)
    path, sent, signer = peer.received[-1]
    assert (sent["type"], sent["object"]["type"], signer) == ("Create", "Note", actor)
    assert sent["object"]["inReplyTo"] == note_id and "Thanks!" in sent["object"]["content"]
    assert [a["object"].get("type") for _p, a, _s in peer.received].count("Note") == 1

    call_command("rotate_fediverse_key")
    work(run_worker)
    path, sent, signer = peer.received[-1]
    assert sent["type"] == "Update" and sent["object"]["type"] == "Service"
    assert signer == actor  # signed with the new key, which bovine fetched anew

    undo = {"id": f"{peer.actor_id}#undo", "type": "Undo", "actor": peer.actor_id,
            "object": {"id": f"{peer.actor_id}#follow-1", "type": "Follow"}}  # fmt: skip
    assert peer.post(inbox, undo)[0] == 202
    assert not Follower.objects.exists()
