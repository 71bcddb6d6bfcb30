"""The blog's ActivityPub addresses. With FEDIVERSE_ENABLED off every one answers 404."""

import functools
import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blog.models import Digest
from comments.models import DigestComment

from . import actors, documents, inbox, keys
from .models import Follower, InboxActivity, SeenSignature

logger = logging.getLogger(__name__)
OUTBOX_SIZE = 20
INBOX_LOG_DAYS = 30  # the admin's inbox activity goes back this far


def enabled(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.FEDIVERSE_ENABLED:
            raise Http404(_("The fediverse is switched off on this site."))
        return view(request, *args, **kwargs)

    return wrapper


def activity_json(document, status=200):
    response = JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = documents.CONTENT_TYPE
    response["Access-Control-Allow-Origin"] = "*"
    return response


def problem(message, status):
    return JsonResponse({"error": str(message)}, status=status)


@enabled
@require_GET
def webfinger(request):
    resource = request.GET.get("resource", "")
    names = {f"acct:{documents.handle()}", documents.actor_id()}
    # The handle without the port, as some servers write it.
    names.add(f"acct:{settings.FEDIVERSE_USERNAME}@{documents.domain().split(':')[0]}")
    if resource.lower() not in {name.lower() for name in names}:
        raise Http404(_("No such account here."))
    response = JsonResponse(documents.webfinger(), content_type="application/jrd+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@enabled
@require_GET
def nodeinfo_links(request):
    return JsonResponse(
        {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "href": documents.url("nodeinfo")}]}
    )  # fmt: skip


@enabled
@require_GET
def nodeinfo(request):
    users = get_user_model().objects.filter(is_staff=True, is_active=True).count()
    return JsonResponse(documents.nodeinfo(users, Digest.objects.published().count()))


@enabled
@require_GET
def actor(request):
    return activity_json(documents.actor(keys.key_pair().public_pem))


@enabled
@require_GET
def outbox(request):
    digests = Digest.objects.published().prefetch_related("media_items", "tags")[:OUTBOX_SIZE]
    items = [
        documents.wrap("Create", documents.article(d), documents.article_id(d.pk) + "#create")
        for d in digests
    ]
    return activity_json(
        {"@context": documents.AS, "id": documents.url("outbox"), "type": "OrderedCollection",
         "totalItems": Digest.objects.published().count(), "orderedItems": items}
    )  # fmt: skip


@enabled
@require_GET
def followers(request):
    # The number only: who follows the blog is theirs to tell.
    return activity_json(
        {"@context": documents.AS, "id": documents.url("followers"), "type": "OrderedCollection",
         "totalItems": Follower.objects.count()}
    )  # fmt: skip


@enabled
@require_GET
def article(request, pk):
    digest = get_object_or_404(Digest.objects.published(), pk=pk)
    return activity_json(documents.article(digest))


def article_response(digest):
    """The Article for a digest's permalink asked for as activity+json (the middleware)."""
    return activity_json(documents.article(digest))


@enabled
@require_GET
def note(request, pk):
    comment = get_object_or_404(DigestComment.objects.public(), pk=pk, remote_note=None)
    if comment.is_reply:
        parent = documents.note_id(comment.parent_id)
    else:
        parent = documents.article_id(int(comment.object_pk))
    return activity_json(documents.note(comment, parent))


@csrf_exempt
@enabled
@require_POST
def inbox_view(request):
    body = request.body
    try:
        activity = json.loads(body)
        if not isinstance(activity, dict):
            raise ValueError
    except ValueError:
        return problem(_("The body is not a JSON object."), 400)
    try:
        params = keys.parse_signature(request.headers.get("Signature"))
    except keys.SignatureError as exc:
        return problem(exc, 401)
    sender = activity.get("actor") if isinstance(activity.get("actor"), str) else ""
    if actors.is_blocked(params["keyId"]) or (sender and actors.is_blocked(sender)):
        return problem(_("Blocked."), 403)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = request.get_host()  # checked against ALLOWED_HOSTS
    try:
        text = keys.check_request(
            params, "POST", request.get_full_path(), headers, body,
            settings.FEDIVERSE_MAX_CLOCK_SKEW,
        )  # fmt: skip
    except keys.SignatureError as exc:
        return problem(exc, 401)
    seen = hashlib.sha256(params["signature"].encode()).hexdigest()
    if SeenSignature.objects.filter(digest=seen).exists():
        return problem(_("This request was received before (a replay)."), 401)
    try:
        sender_actor = actors.by_key(params["keyId"])
        if not keys.verify(sender_actor.public_key_pem, text, params["signature"]):
            sender_actor = actors.by_key(params["keyId"], fresh=True)  # a new key, maybe
            if not keys.verify(sender_actor.public_key_pem, text, params["signature"]):
                return problem(_("The signature does not match the sender's key."), 401)
    except actors.ActorError as exc:
        return problem(_("The sender's key could not be fetched: %(e)s") % {"e": exc}, 401)
    if sender != sender_actor.uri:
        return problem(_("The activity's actor is not the key's owner."), 401)
    try:
        with transaction.atomic():
            SeenSignature.objects.create(digest=seen)
            # Older ones could not pass the Date check any more: no need to keep them.
            skew = timedelta(seconds=2 * settings.FEDIVERSE_MAX_CLOCK_SKEW)
            SeenSignature.objects.filter(seen_at__lt=timezone.now() - skew).delete()
            days = timedelta(days=INBOX_LOG_DAYS)
            InboxActivity.objects.filter(received_at__lt=timezone.now() - days).delete()
            sender_actor.save()
            result = inbox.handle(activity, sender_actor)
            InboxActivity.objects.create(
                uri=str(activity.get("id", ""))[:500], kind=str(activity.get("type", ""))[:40],
                actor=sender_actor.uri[:500], result=str(result)[:300],
            )  # fmt: skip
    except IntegrityError:
        return problem(_("This request was received before (a replay)."), 401)
    except inbox.Rejected as exc:
        return problem(exc, exc.status)
    new_icon = sender_actor.icon != sender_actor.avatar_source
    if new_icon and activity.get("type") in ("Create", "Follow"):
        actors.replace_avatar(sender_actor, sender_actor.icon)
    return HttpResponse(status=202)
