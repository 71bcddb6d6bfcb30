"""The inbox refuses what it should, with a 4xx and nothing stored; requests are signed by
bovine (tests/fediverse_peer.py), the sender's key served from a loopback stand-in."""

import json
from email.utils import format_datetime

import pytest
from django.utils import timezone

from comments.models import DigestComment
from fediverse.models import (
    Block,
    Follower,
    InboxActivity,
    KeyPair,
    Reaction,
    RemoteActor,
    SeenSignature,
)  # fmt: skip
from tests import factories
from tests.fediverse_peer import AP, remote_peer

INBOX = "/fediverse/inbox"
ACTOR = "http://testserver/fediverse/actor"


@pytest.fixture
def peer(settings, db):
    settings.FEDIVERSE_ENABLED = True
    with remote_peer(settings) as peer:
        yield peer


def send(client, peer, activity, *, body=None, **sign):
    body = body if body is not None else json.dumps(activity).encode()
    headers = peer.signed_headers("testserver", INBOX, body, **sign)
    headers.pop("host")
    return client.post(INBOX, data=body, content_type=AP, headers=headers)


def stored():
    """Everything the inbox could have stored."""
    models = (RemoteActor, Follower, SeenSignature, InboxActivity, Reaction, DigestComment)
    return {model.__name__: model.objects.count() for model in models}


NOTHING = dict.fromkeys(
    ("RemoteActor", "Follower", "SeenSignature", "InboxActivity", "Reaction", "DigestComment"), 0
)


def follow_of(peer):
    return {"id": f"{peer.actor_id}#f", "type": "Follow", "actor": peer.actor_id, "object": ACTOR}


def reply(peer, in_reply_to, content="<p>Hello</p>"):
    note = f"{peer.actor_id}/statuses/9"
    return {"id": f"{note}/create", "type": "Create", "actor": peer.actor_id,
            "object": {"id": note, "type": "Note", "attributedTo": peer.actor_id,
                       "inReplyTo": in_reply_to, "content": content}}  # fmt: skip


def test_a_signed_follow_is_stored_once(client, peer):
    answer = send(client, peer, follow_of(peer))
    assert answer.status_code == 202, answer.content
    assert Follower.objects.get().actor.handle == "alice@127.0.0.1"
    assert InboxActivity.objects.get().kind == "Follow"


def test_unsigned_and_tampered_requests_are_refused(client, peer):
    body = json.dumps(follow_of(peer)).encode()
    answer = client.post(INBOX, data=body, content_type=AP)
    assert answer.status_code == 401
    headers = peer.signed_headers("testserver", INBOX, body)
    headers.pop("host")
    signature = headers["signature"]
    cut = signature.rindex('"') - 8
    headers["signature"] = (
        signature[:cut] + ("A" if signature[cut] != "A" else "B") + signature[cut + 1 :]
    )
    answer = client.post(INBOX, data=body, content_type=AP, headers=headers)
    assert answer.status_code == 401 and "does not match" in answer.json()["error"]
    # The body changed after signing: the Digest no longer matches.
    headers = peer.signed_headers("testserver", INBOX, body)
    headers.pop("host")
    other = json.dumps({**follow_of(peer), "id": "x"}).encode()
    answer = client.post(INBOX, data=other, content_type=AP, headers=headers)
    assert answer.status_code == 401 and "Digest" in answer.json()["error"]
    assert stored() == NOTHING


def test_a_stale_date_is_refused(client, peer):
    old = format_datetime(timezone.now() - timezone.timedelta(minutes=10), usegmt=True)
    answer = send(client, peer, follow_of(peer), date=old)
    assert answer.status_code == 401 and "Date" in answer.json()["error"]
    assert stored() == NOTHING


def test_a_replayed_request_is_refused(client, peer):
    body = json.dumps(follow_of(peer)).encode()
    headers = peer.signed_headers("testserver", INBOX, body)
    headers.pop("host")
    assert client.post(INBOX, data=body, content_type=AP, headers=headers).status_code == 202
    Follower.objects.all().delete()
    answer = client.post(INBOX, data=body, content_type=AP, headers=headers)
    assert answer.status_code == 401 and "replay" in answer.json()["error"]
    assert not Follower.objects.exists() and InboxActivity.objects.count() == 1


@pytest.mark.parametrize("key_host", ["127.0.0.1:{port}", "10.0.0.5", "[::1]:{port}"])
def test_a_key_on_a_private_address_is_never_fetched(client, peer, settings, connections, key_host):
    settings.FETCH_ALLOWED_PRIVATE = []
    host = key_host.format(port=peer.server.server_port)
    activity = {**follow_of(peer), "actor": f"http://{host}/users/alice"}
    answer = send(client, peer, activity, key_id=f"http://{host}/users/alice#main-key")
    assert answer.status_code == 401 and "not a public address" in answer.json()["error"]
    assert not [c for c in connections if c[0] in ("127.0.0.1", "10.0.0.5", "::1")]
    assert stored() == NOTHING


def test_a_reply_to_a_digest_that_does_not_exist_is_refused(client, peer):
    answer = send(client, peer, reply(peer, "http://testserver/fediverse/digests/999999"))
    assert answer.status_code == 404
    assert stored() == NOTHING


def test_a_huge_body_is_refused_unread(client, peer):
    body = json.dumps({**follow_of(peer), "padding": "x" * 5_000_000}).encode()
    assert send(client, peer, None, body=body).status_code == 413
    assert stored() == NOTHING


def test_scripts_in_a_reply_are_stored_inert(client, peer):
    digest = factories.make_digest()
    content = (
        '<p>Hi <script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">me</a></p>'
    )
    answer = send(
        client, peer, reply(peer, f"http://testserver/fediverse/digests/{digest.pk}", content)
    )
    assert answer.status_code == 202
    html = DigestComment.objects.get().comment_html
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "Hi" in html


def test_a_blocked_server_gets_nothing_stored(client, peer, connections):
    Block.objects.create(kind=Block.Kind.INSTANCE, value="127.0.0.1")
    answer = send(client, peer, follow_of(peer))
    assert answer.status_code == 403
    assert stored() == NOTHING
    assert not [c for c in connections if c[1] == peer.server.server_port]  # not even the key


def test_a_like_and_its_undo(client, peer):
    digest = factories.make_digest()
    like = {"id": f"{peer.actor_id}#like", "type": "Like", "actor": peer.actor_id,
            "object": f"http://testserver{digest.get_absolute_url()}"}  # fmt: skip
    assert send(client, peer, like).status_code == 202
    assert Reaction.objects.get().digest == digest
    undo = {"id": f"{peer.actor_id}#undo", "type": "Undo", "actor": peer.actor_id, "object": like}
    assert send(client, peer, undo).status_code == 202
    assert not Reaction.objects.exists()


def test_switched_off_every_address_is_404_and_no_key_is_made(client, settings, db):
    settings.FEDIVERSE_ENABLED = False
    digest = factories.make_digest()
    for path in ("/.well-known/webfinger?resource=acct:blog@testserver", "/.well-known/nodeinfo",
                 "/nodeinfo/2.1", "/fediverse/actor", "/fediverse/outbox",
                 "/fediverse/followers", f"/fediverse/digests/{digest.pk}"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert client.post(INBOX, data=b"{}", content_type=AP).status_code == 404
    answer = client.get(digest.get_absolute_url(), headers={"Accept": AP})
    assert answer["Content-Type"].startswith("text/html")
    assert "fediverse" not in answer.content.decode()
    assert not KeyPair.objects.exists()


def test_webfinger_nodeinfo_and_the_actor(client, settings, db):
    settings.FEDIVERSE_ENABLED = True
    finger = client.get("/.well-known/webfinger", {"resource": "acct:blog@testserver"}).json()
    [link] = [link for link in finger["links"] if link["rel"] == "self"]
    assert link == {"rel": "self", "type": AP, "href": ACTOR}
    assert (
        client.get("/.well-known/webfinger", {"resource": "acct:other@testserver"}).status_code
        == 404
    )
    href = client.get("/.well-known/nodeinfo").json()["links"][0]["href"]
    assert client.get(href.removeprefix("http://testserver")).json()["protocols"] == ["activitypub"]
    actor = client.get("/fediverse/actor").json()
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert client.get("/fediverse/actor").json()["publicKey"] == actor["publicKey"]  # kept
    assert KeyPair.objects.count() == 1


def test_a_permalink_asked_for_activity_json_gets_the_article_never_the_cached_page(
    client, settings, db
):
    settings.FEDIVERSE_ENABLED = True
    digest = factories.make_digest("Negotiated")
    html = client.get(digest.get_absolute_url())
    assert "Accept" in html["Vary"]
    article = f"http://testserver/fediverse/digests/{digest.pk}"
    assert f'<link rel="alternate" type="{AP}" href="{article}">' in html.content.decode()
    assert '<meta name="fediverse:creator" content="@blog@testserver">' in html.content.decode()
    assert client.get(digest.get_absolute_url()).get("X-Page-Cache") == "hit"
    answer = client.get(digest.get_absolute_url(), headers={"Accept": AP})
    assert answer["Content-Type"] == AP and "Accept" in answer["Vary"]
    assert answer.json()["type"] == "Article" and answer.json()["name"] == "Negotiated"


def test_a_blocked_actor_gets_nothing_stored_and_others_on_its_server_still_do(client, peer):
    Block.objects.create(kind=Block.Kind.ACTOR, value=peer.actor_id)
    assert send(client, peer, follow_of(peer)).status_code == 403
    assert stored() == NOTHING
    Block.objects.all().delete()
    Block.objects.create(kind=Block.Kind.ACTOR, value=f"{peer.base}/users/bob")
    assert send(client, peer, follow_of(peer)).status_code == 202


@pytest.mark.parametrize("target", ["note", "permalink"])
def test_a_reply_to_a_comment_goes_under_it(client, peer, target):
    digest = factories.make_digest()
    parent = factories.make_comment(digest, "Local words")
    note_url = f"/fediverse/comments/{parent.pk}"
    note = client.get(note_url).json()
    assert note["type"] == "Note" and "Local words" in note["content"]
    assert note["inReplyTo"] == f"http://testserver/fediverse/digests/{digest.pk}"
    uri = {"note": note["id"], "permalink": f"http://testserver{parent.get_absolute_url()}"}
    assert send(client, peer, reply(peer, uri[target])).status_code == 202
    answer = DigestComment.objects.get(remote_note__isnull=False)
    assert answer.parent_id == parent.pk and answer.level == 1
    assert client.get(f"/fediverse/comments/{answer.pk}").status_code == 404  # not ours


@pytest.mark.parametrize("anchor", ["#cabc", "#c99999999", "#c" + "9" * 30])
def test_a_reply_to_a_comment_that_is_not_there_is_refused(client, peer, anchor):
    digest = factories.make_digest()
    target = f"http://testserver{digest.get_absolute_url()}{anchor}"
    assert send(client, peer, reply(peer, target)).status_code == 404
    assert stored() == NOTHING


def test_ids_too_long_to_keep_are_refused(client, peer):
    digest = factories.make_digest()
    activity = reply(peer, f"http://testserver/fediverse/digests/{digest.pk}")
    activity["object"]["id"] = f"{peer.actor_id}/statuses/{'9' * 600}"
    answer = send(client, peer, activity)
    assert answer.status_code == 422 and "too long" in answer.json()["error"]
    long_key = f"{peer.actor_id}#{'k' * 600}"
    answer = send(client, peer, follow_of(peer), key_id=long_key)
    assert answer.status_code == 401 and "too long" in answer.json()["error"]
    assert stored() == NOTHING
