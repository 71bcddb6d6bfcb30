"""The comment and subscribe forms under a digest as most readers get them — a guest with
nothing remembered, not replying, with no message for them — drawn once per version in
each process, and given each reader's security fields (CSRF token, timestamp and hash) by
replacing placeholders.

Drawing them took more time than anything else left on a digest's page: Django draws
each of the form's twelve widgets from a template. The version is worked out from what
the request reads anyway (the digest, the form's fields, the sign-in providers
configured), so a process's copy is never out of date, on any node. No reader's text is
in them; every other reader gets them drawn for their request (comments/_respond.html).
"""

import threading
from collections import OrderedDict

from allauth.socialaccount.adapter import get_adapter
from django.template.loader import get_template
from django.utils import translation

from blog import fragments

TEMPLATE = "comments/_respond.html"
SOURCES = (
    TEMPLATE, "comments/_form.html", "accounts/_comment_identity.html",
    "comments.forms", __name__,
)  # fmt: skip
# Placeholders for what differs per request; letters only, so escaping leaves them be.
TOKEN, TIMESTAMP, HASH = "RespondCsrfToken", "RespondTimestamp", "RespondSecurityHash"
KEPT = 256  # versions kept per process: one per digest read, about 3 KB each

_drawn = OrderedDict()
_lock = threading.Lock()


def may_be_shared(request, form, messages):
    """Whether this reader gets the forms everyone gets. A "remember me" cookie fills the
    form (comments.session.remembered_author), its box ticked, even where no name, email
    or website is kept."""
    return not (
        request.user.is_authenticated
        or form.initial.get("remember")
        or "replytocom" in request.GET
        or messages
    )


def drawn(context):
    """The forms' HTML for this request; context: what _respond.html is drawn with, and
    the page's csrf_token."""
    request, form = context["request"], context["form"]
    version = _version(request, context["digest"], form)
    with _lock:
        html = _drawn.get(version)
        if html is not None:
            _drawn.move_to_end(version)
    if html is None:
        html = _draw(context)
        with _lock:
            _drawn[version] = html
            while len(_drawn) > KEPT:
                _drawn.popitem(last=False)
    # The page's own token (the csrf context processor's), as every other form on it has.
    token = context.get("csrf_token")
    return (
        html.replace(TOKEN, str(token) if token is not None else "")
        .replace(TIMESTAMP, str(form.initial["timestamp"]))
        .replace(HASH, form.initial["security_hash"])
    )


def _version(request, digest, form):
    providers = tuple(
        (provider.id, getattr(provider, "sub_id", provider.id), str(provider.name))
        for provider in get_adapter().list_providers(request)
    )
    fields = tuple(
        (name, field.required, str(field.label), str(field.help_text), type(field.widget))
        for name, field in form.fields.items()
    )
    return (
        digest.pk, digest.get_absolute_url(), translation.get_language(),
        fragments.sources_version(SOURCES), providers, fields,
    )  # fmt: skip


def _draw(context):
    form = context["form"]
    real = {name: form.initial[name] for name in ("timestamp", "security_hash")}
    form.initial.update(timestamp=TIMESTAMP, security_hash=HASH)
    try:
        return get_template(TEMPLATE).render({**context, "csrf_token": TOKEN})
    finally:
        form.initial.update(real)
