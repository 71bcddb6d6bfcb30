"""Other servers' actors: fetched through the one guarded fetcher (blog.fetch), kept for
FEDIVERSE_ACTOR_CACHE_SECONDS, their avatars copied here like sign-in avatars."""

import json
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from blog import avatars, fetch
from blog.text import normalise

from .models import Block, RemoteActor

logger = logging.getLogger(__name__)
ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AVATAR_SIZE = 160
RECENT = 60  # seconds
MAX_URL = 500  # the longest address stored


class ActorError(Exception):
    """The actor (or its key) could not be fetched or makes no sense."""


def host_of(uri):
    return (urlsplit(uri).hostname or "").lower()


def block_keys(uri):
    """The block list entries that would cover an actor: its id, its server's host and
    every domain above it (a block of a server covers its subdomains)."""
    parts = host_of(uri).split(".")
    return {".".join(parts[i:]) for i in range(len(parts))} | {uri.split("#", 1)[0]}


def is_blocked(uri):
    """Whether the actor, or the server it lives on, is on the editors' block list."""
    return Block.objects.filter(value__in=block_keys(uri)).exists()


def fetch_json(uri):
    try:
        answer = fetch.get(uri, max_bytes=settings.FEDIVERSE_MAX_ACTOR_BYTES, accept=ACCEPT)
        answer.raise_for_status()
        document = json.loads(answer.body)
    except fetch.FetchError as exc:
        raise ActorError(str(exc)) from exc
    except ValueError as exc:
        raise ActorError(_("%(uri)s did not answer with JSON") % {"uri": uri}) from exc
    if not isinstance(document, dict):
        raise ActorError(_("%(uri)s did not answer with a JSON object") % {"uri": uri})
    return document


def by_key(key_id, *, fresh=False):
    """The actor owning key_id, from the cache unless it is old (or fresh is asked)."""
    # Fresh: the key may have changed, unless it was fetched a moment ago (a request with a
    # bad signature must not make us fetch another server's actor again and again).
    seconds = RECENT if fresh else settings.FEDIVERSE_ACTOR_CACHE_SECONDS
    since = timezone.now() - timedelta(seconds=seconds)
    known = RemoteActor.objects.filter(key_id=key_id, fetched_at__gte=since).first()
    if known:
        known.icon = known.avatar_source
        return known
    document = fetch_json(key_id.split("#", 1)[0])
    if "inbox" not in document and isinstance(document.get("owner"), str):
        document = fetch_json(document["owner"])  # the key was a document of its own
    return store(document, key_id)


def _text(value, limit):
    return normalise(value if isinstance(value, str) else "")[:limit]


def _link(value):
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("href") or value.get("url") or ""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return ""
    return value if value.startswith(("https://", "http://")) else ""


def store(document, key_id):
    """The actor the document describes (not saved: the inbox saves it with what it
    accepts), if it owns key_id; its avatar's address as .icon."""
    uri = document.get("id")
    keys = document.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys]
    key = next((k for k in keys if isinstance(k, dict) and k.get("id") == key_id), None)
    if len(key_id) > MAX_URL or (isinstance(uri, str) and len(uri) > MAX_URL):
        raise ActorError(_("%(key)s: an address too long to keep") % {"key": key_id[:100]})
    if not isinstance(uri, str) or key is None or key.get("owner") != uri:
        raise ActorError(_("%(key)s is not a key of the actor it names") % {"key": key_id})
    if host_of(uri) != host_of(key_id):
        raise ActorError(_("%(key)s and its actor are on different servers") % {"key": key_id})
    inbox = _link(document.get("inbox"))
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    if not inbox:
        raise ActorError(_("%(uri)s has no inbox") % {"uri": uri})
    username = _text(document.get("preferredUsername"), 100)
    fields = {
        "key_id": key_id,
        "public_key_pem": _text(key.get("publicKeyPem"), 5000),
        "inbox": inbox,
        "shared_inbox": _link(endpoints.get("sharedInbox")),
        "name": _text(document.get("name"), 200) or username,
        "handle": f"{username}@{host_of(uri)}"[:300] if username else "",
        "profile_url": _link(document.get("url")) or uri,
        "fetched_at": timezone.now(),
    }
    actor = RemoteActor.objects.filter(uri=uri).first() or RemoteActor(uri=uri)
    for name, value in fields.items():
        setattr(actor, name, value)
    actor.icon = _link(document.get("icon"))
    return actor


def replace_avatar(actor, url):
    old = actor.avatar.name if actor.avatar else ""
    if url:
        try:
            png = avatars.fetch_square_png(
                url, size=AVATAR_SIZE, max_bytes=settings.ACCOUNTS_AVATAR_MAX_BYTES
            )
        except avatars.AvatarError as exc:
            logger.warning("avatar of %s not stored: %s", actor.uri, exc)
            return
        actor.avatar.save(f"{actor.pk}-{secrets.token_hex(4)}.png", ContentFile(png), save=False)
    else:
        actor.avatar = ""
    actor.avatar_source = url
    actor.save(update_fields=["avatar", "avatar_source"])
    if old and old != actor.avatar.name:
        actor.avatar.storage.delete(old)
