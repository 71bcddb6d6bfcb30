"""The webmention endpoint (W3C Webmention, "Receiving"): checks what it can at once,
answers 202 and leaves fetching the source to the worker (mentions.tasks)."""

import ipaddress

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from blog.fetch import named_private
from blog.permalinks import host_of, our_hosts, published_digest
from blog.text import NulCharacter, normalise
from mailer.limits import client_ip, hit

from .models import Mention
from .targets import same_page
from .tasks import verify_mention


class BadMention(Exception):
    """400 Bad Request, with this text."""


def _text(message, status):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def endpoint(request):
    limit, window = settings.WEBMENTION_RATE_LIMIT
    ip = client_ip(request)
    if limit and hit(f"mentions:rate:{ip}", window) > limit:
        message = _(
            "Too many webmentions from your network: at most %(limit)s every %(minutes)s minutes."
        )
        return _text(message % {"limit": limit, "minutes": window // 60}, 429)
    try:
        source, target, digest = _checked(request)
    except BadMention as exc:
        return _text(str(exc), 400)
    with transaction.atomic():
        mention, created = Mention.objects.get_or_create(
            digest=digest, source=source, defaults={"target": target, "sender_ip": _ip(ip)}
        )
        if not created:
            Mention.objects.filter(pk=mention.pk).update(target=target, sender_ip=_ip(ip))
        transaction.on_commit(lambda: verify_mention.enqueue(mention.pk))
    return _text(_("Accepted: the source will be checked in a moment."), 202)


def _checked(request):
    """(source, target, digest) from the form, or BadMention saying what is wrong."""
    values = []
    for name in ("source", "target"):
        try:
            value = normalise(request.POST.get(name, "")).strip()
        except NulCharacter:
            value = ""
        if not value:
            raise BadMention(_("Give both source and target: %s is missing.") % name)
        if len(value) > 500 or host_of(value) is None:
            raise BadMention(_("The %s must be an http or https address.") % name)
        values.append(value)
    source, target = values
    if same_page(source, target):
        raise BadMention(_("The source and the target are the same page."))
    digest = published_digest(target, our_hosts(request))
    if digest is None:
        raise BadMention(_("The target is not one of the digests published on this site."))
    if named_private(source):
        raise BadMention(_("The source is not at a public address."))
    return source, target, digest


def _ip(ip):
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None
