"""The JSON documents the blog shows the fediverse: its actor, each digest as an Article,
a local comment as a Note, the activities wrapping them, WebFinger and NodeInfo."""

from uuid import uuid4

from django.conf import settings
from django.contrib.sites.models import Site
from django.urls import reverse
from django.utils.html import escape

from blog.site import site_url

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
CONTEXT = [AS, "https://w3id.org/security/v1"]
CONTENT_TYPE = "application/activity+json"
LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def domain():
    return Site.objects.get_current().domain


def handle():
    return f"{settings.FEDIVERSE_USERNAME}@{domain()}"


def url(name, *args):
    return site_url(reverse(f"fediverse:{name}", args=args))


def actor_id():
    return url("actor")


def key_id():
    return actor_id() + "#main-key"


def actor(public_pem):
    return {
        "@context": CONTEXT,
        "id": actor_id(),
        "type": "Service",
        "preferredUsername": settings.FEDIVERSE_USERNAME,
        "name": settings.BLOG_TITLE,
        "summary": f"<p>{escape(settings.BLOG_TAGLINE)}</p>",
        "url": site_url("/"),
        "inbox": url("inbox"),
        "outbox": url("outbox"),
        "followers": url("followers"),
        "endpoints": {"sharedInbox": url("inbox")},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {"id": key_id(), "owner": actor_id(), "publicKeyPem": public_pem},
    }


def article_id(digest_id):
    return url("article", digest_id)


def article(digest):
    """The digest as an Article: intro, the numbered items with their text, a link home."""
    items = "".join(
        f"<li><strong>{escape(item.title)}</strong>{item.description_html}</li>"
        for item in digest.media_items.all()
    )
    permalink = site_url(digest.get_absolute_url())
    content = (
        digest.intro_html
        + (f"<ol>{items}</ol>" if items else "")
        + f'<p><a href="{escape(permalink)}">{escape(permalink)}</a></p>'
    )
    return {
        "@context": CONTEXT,
        "id": article_id(digest.pk),
        "type": "Article",
        "attributedTo": actor_id(),
        "name": digest.title,
        "content": content,
        "url": permalink,
        "published": digest.published_at.isoformat(),
        "updated": digest.updated_at.isoformat(),
        "to": [PUBLIC],
        "cc": [url("followers")],
        "tag": [{"type": "Hashtag", "name": f"#{tag.slug}"} for tag in digest.tags.all()],
    }


def note_id(comment_id):
    return url("note", comment_id)


def note(comment, in_reply_to):
    """A local comment (public) as a Note replying to the digest or to the comment above."""
    return {
        "@context": CONTEXT,
        "id": note_id(comment.pk),
        "type": "Note",
        "attributedTo": actor_id(),
        "content": f"<p><strong>{escape(comment.name)}</strong>:</p>{comment.comment_html}",
        "inReplyTo": in_reply_to,
        "url": site_url(comment.get_absolute_url()),
        "published": comment.submit_date.isoformat(),
        "to": [PUBLIC],
        "cc": [url("followers")],
    }


def wrap(kind, obj, uri):
    """An activity of the blog's about obj (a document, or an id for a Delete's Tombstone)."""
    if isinstance(obj, str):
        obj = {"id": obj, "type": "Tombstone"}
    inner = {key: value for key, value in obj.items() if key != "@context"}
    return {
        "@context": CONTEXT,
        "id": uri,
        "type": kind,
        "actor": actor_id(),
        "object": inner,
        "to": [PUBLIC],
        "cc": [url("followers")],
    }


def accept(follow):
    """The Accept of a Follow, naming the Follow as it came."""
    return {
        "@context": CONTEXT,
        "id": f"{actor_id()}#accepts/{uuid4()}",
        "type": "Accept",
        "actor": actor_id(),
        "object": {key: value for key, value in follow.items() if key != "@context"},
    }


def webfinger():
    return {
        "subject": f"acct:{handle()}",
        "aliases": [actor_id(), site_url("/")],
        "links": [
            {"rel": "self", "type": CONTENT_TYPE, "href": actor_id()},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": site_url("/")},
        ],
    }  # fmt: skip


def nodeinfo(users, posts):
    return {
        "version": "2.1",
        "software": {"name": "digestblog", "version": "0.1.0"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["rss2.0", "atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": users}, "localPosts": posts},
        "metadata": {"nodeName": settings.BLOG_TITLE},
    }
