"""What an accepted activity does: Follow, Undo, Create/Update/Delete of a reply, Like and
Announce. Each handler runs inside the inbox's transaction and returns what it did, or
raises Rejected (a 4xx; the transaction is rolled back: nothing is stored)."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from blog.models import Digest
from blog.sanitize import clean_comment_html, strip_tags
from blog.text import parse_id
from comments import actions, moderation
from comments.models import DigestComment
from comments.services import announce, build_comment
from comments.threading import ParentGone, ThreadTooDeep, save_new_comment

from . import delivery, documents
from .models import Follower, Inbox, Reaction, RemoteNote

MAX_TEXT = 20_000


class Rejected(Exception):
    def __init__(self, message, status=422):
        super().__init__(message)
        self.status = status


def handle(activity, actor):
    kind = activity.get("type")
    handler = HANDLERS.get(kind if isinstance(kind, str) else "")
    if handler is None:
        return _("ignored: %(kind)s is not handled here") % {"kind": kind}
    return handler(activity, actor)


MAX_ID = 500  # the longest id stored (URLField max_length)


def _id(value):
    """An object's id (it may come as the id or the object), or "" if none we can store."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and len(value) <= MAX_ID else ""


def _local_path(uri):
    """The path of one of our addresses, or None."""
    parts = urlsplit(uri or "")
    if parts.netloc.lower() != documents.domain().lower():
        return None
    return parts.path


def find_digest(uri):
    """The public digest an Article id or a permalink names, or None."""
    path = _local_path(uri)
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    digests = Digest.objects.published()
    if match.view_name == "fediverse:article":
        return digests.filter(pk=match.args[0] if match.args else match.kwargs["pk"]).first()
    if match.view_name == "blog:digest-detail":
        return digests.filter(slug=match.kwargs["slug"]).first()
    return None


def find_parent(uri):
    """(digest, parent comment or None) that a reply's inReplyTo names, or (None, None)."""
    remote = RemoteNote.objects.filter(uri=uri).select_related("comment").first()
    if remote:
        parent = remote.comment
        return parent.content_object, parent
    path = _local_path(uri)
    if path is not None:
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match and match.view_name == "fediverse:note":
            parent = DigestComment.objects.public().filter(pk=match.kwargs["pk"]).first()
            if parent:
                return parent.content_object, parent
    digest = find_digest(uri.split("#", 1)[0])
    if digest and "#c" in uri:  # a comment's permalink, /…/slug/#c12
        pk = parse_id(uri.rsplit("#c", 1)[1])
        parent = DigestComment.objects.for_digest(digest).public().filter(pk=pk).first()
        if pk is None or parent is None:
            return None, None  # a comment that is not (or no longer) there
        return digest, parent
    return digest, None


def follow(activity, actor):
    if _id(activity.get("object")) != documents.actor_id():
        raise Rejected(_("Only the blog itself can be followed here."))
    inbox, _created = Inbox.objects.get_or_create(url=actor.delivery_inbox)
    Follower.objects.update_or_create(
        actor=actor, defaults={"inbox": inbox, "follow_id": _id(activity)}
    )
    delivery.send(documents.accept(activity), [actor.inbox])
    return _("follower added, Accept sent")


def undo(activity, actor):
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else ""
    if (
        kind == "Follow"
        or _id(obj)
        == Follower.objects.filter(actor=actor).values_list("follow_id", flat=True).first()
    ):
        deleted, _rows = Follower.objects.filter(actor=actor).delete()
        return _("follower removed") if deleted else _("was not following")
    deleted, _rows = Reaction.objects.filter(actor=actor, uri=_id(obj)).delete()
    if not deleted and kind in Reaction.Kind.values and isinstance(obj, dict):
        digest = find_digest(_id(obj.get("object")))
        deleted, _rows = Reaction.objects.filter(actor=actor, kind=kind, digest=digest).delete()
    return _("reaction taken back") if deleted else _("nothing to undo")


def _note(activity, actor):
    note = activity.get("object")
    if not isinstance(note, dict) or note.get("type") != "Note":
        return None
    if note.get("attributedTo", actor.uri) != actor.uri:
        raise Rejected(_("The Note is attributed to someone else."), 403)
    if not _id(note):
        raise Rejected(_("The Note has no id (or one too long)."))
    return note


def _text_of(note):
    html = note.get("content") if isinstance(note.get("content"), str) else ""
    if len(html) > MAX_TEXT:
        raise Rejected(_("The Note is longer than %(n)s characters.") % {"n": MAX_TEXT}, 413)
    clean = clean_comment_html(html)
    return strip_tags(clean), clean


def create(activity, actor):
    note = _note(activity, actor)
    if note is None:
        return _("ignored: only replies (Notes) are taken")
    if RemoteNote.objects.filter(uri=_id(note)).exists():
        return _("already here")
    in_reply_to = _id(note.get("inReplyTo"))
    digest, parent = find_parent(in_reply_to) if in_reply_to else (None, None)
    if digest is None:
        raise Rejected(_("This is not a reply to a digest of this blog."), 404)
    if not moderation.comments_open(digest):
        raise Rejected(_("Comments are closed on this digest."), 403)
    text, html = _text_of(note)
    comment = build_comment(
        digest,
        user_name=(actor.name or actor.handle or actor.uri)[: _longest("user_name")],
        user_email="",
        user_url=actor.profile_url if len(actor.profile_url) <= _longest("user_url") else "",
        comment=text or "…",
        comment_html=html,
    )
    comment.state, comment.moderation_reason = moderation.decide(comment)
    if comment.state == DigestComment.State.PUBLIC and not known(actor):
        comment.state = DigestComment.State.HELD
        comment.moderation_reason = "first comment from this fediverse account"
    comment.fingerprint = hashlib.sha256(note["id"].encode()).hexdigest()
    try:
        save_new_comment(comment, parent)
    except (ParentGone, ThreadTooDeep) as exc:
        raise Rejected(_("This comment can't take replies.")) from exc
    RemoteNote.objects.create(comment=comment, uri=note["id"], actor=actor)
    announce(comment)
    return _("comment %(pk)s stored (%(state)s)") % {"pk": comment.pk, "state": comment.state}


def _longest(field):
    return DigestComment._meta.get_field(field).max_length


def known(actor):
    """Has an editor let one of this actor's comments through before (the guests' rule)?"""
    if not settings.COMMENTS_HOLD_FIRST_COMMENT:
        return True
    return DigestComment.objects.public().filter(remote_note__actor=actor).exists()


def _own_note(activity, actor):
    uri = _id(activity.get("object"))
    found = RemoteNote.objects.filter(uri=uri).select_related("comment", "actor").first()
    if found and found.actor_id != actor.pk:
        raise Rejected(_("Only its author may change this reply."), 403)
    return found


def update(activity, actor):
    note = _note(activity, actor)
    found = _own_note(activity, actor) if note else None
    if found is None:
        return _("ignored: not a reply stored here")
    comment = found.comment
    text, html = _text_of(note)
    actions.save_text(comment, text or "…")
    DigestComment.objects.filter(pk=comment.pk).update(comment_html=html)
    return _("comment %(pk)s edited") % {"pk": comment.pk}


def delete(activity, actor):
    if _id(activity.get("object")) == actor.uri:  # the account itself is gone
        Follower.objects.filter(actor=actor).delete()
        Reaction.objects.filter(actor=actor).delete()
        return _("account deleted: follower and reactions removed")
    found = _own_note(activity, actor)
    if found is None:
        return _("ignored: not a reply stored here")
    pk = found.comment.pk
    actions.remove(found.comment)
    return _("comment %(pk)s deleted") % {"pk": pk}


def react(activity, actor):
    digest = find_digest(_id(activity.get("object")))
    if digest is None:
        raise Rejected(_("This is not a digest of this blog."), 404)
    if not _id(activity):
        raise Rejected(_("The activity has no id."))
    kind = activity["type"]
    if Reaction.objects.filter(Q(uri=activity["id"]) | Q(digest=digest, actor=actor, kind=kind)):
        return _("already counted")
    Reaction.objects.create(digest=digest, actor=actor, kind=kind, uri=activity["id"])
    return _("%(kind)s counted on digest %(pk)s") % {"kind": kind, "pk": digest.pk}


HANDLERS = {
    "Follow": follow,
    "Undo": undo,
    "Create": create,
    "Update": update,
    "Delete": delete,
    "Like": react,
    "Announce": react,
}
