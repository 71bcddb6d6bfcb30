"""Following a digest's comments without commenting, and one-click unsubscribing from them.

Subscribing mails a signed, time-limited link (JSON, like comments.verification); the
link's page confirms with a POST, because mail scanners open every link they see.
Every notification carries a signed unsubscribe link without expiry (RFC 8058 headers).
The tokens and the rules are here; the pages are comments.views.subscriptions.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.models import Digest
from blog.site import site_url
from mailer.outbox import URGENT, send_after_commit

from .models import DigestComment, Subscription

CONFIRM_SALT = "comments.subscribe"
UNSUBSCRIBE_SALT = "comments.unsubscribe"
# What an unsubscribe token stops. One scope so far: all comment mail about one digest.
SCOPE_DIGEST = "digest"
ONE_CLICK = "One-Click"
# The subscribe form's place for its messages (templates/comments/_section.html).
AT_FORM = "placed subscribe"


# Tokens


def make_confirm_token(digest, email):
    return signing.dumps({"d": digest.pk, "e": email}, salt=CONFIRM_SALT)


def read_confirm_token(token):
    """(digest id, email); raises signing.BadSignature (or SignatureExpired)."""
    value = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.COMMENTS_CONFIRM_MAX_AGE)
    return int(value["d"]), str(value["e"])


def make_unsubscribe_token(email, digest_id, scope=SCOPE_DIGEST):
    """Signed but without a date: a link in an old mail still works."""
    value = {"e": email, "d": int(digest_id), "s": scope}
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(value, compress=True)


def read_unsubscribe_token(token):
    """(email, digest id); raises signing.BadSignature, also for a scope we don't know."""
    value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    if value.get("s") != SCOPE_DIGEST:
        raise signing.BadSignature("unknown scope")
    return str(value["e"]), int(value["d"])


def unsubscribe_url(email, digest_id):
    token = make_unsubscribe_token(email, digest_id)
    return site_url(reverse("comments:unsubscribe", kwargs={"token": token}))


# Rules


def request_confirmation(digest, email):
    """Keep (or refresh) an unconfirmed subscription and queue its link's mail."""
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(digest=digest, email=email)
        if not created and subscription.confirmed_at is None:
            # A new link: the purge counts from the newest request.
            subscription.created_at = timezone.now()
            subscription.save(update_fields=["created_at"])
        token = make_confirm_token(digest, email)
        # Each request is its own event (a new link), told apart by the refreshed time.
        requested = int(subscription.created_at.timestamp())
        send_after_commit(
            f"subscription-confirm:{subscription.pk}:{requested}",
            email,
            _("Confirm your subscription to comments on “%(digest)s”") % {"digest": digest},
            "comments/mail/subscription_confirm.txt",
            {"digest": digest, "digest_url": site_url(digest.get_absolute_url()),
             "url": site_url(reverse("comments:subscribe-confirm", kwargs={"token": token})),
             "hours": settings.COMMENTS_CONFIRM_MAX_AGE // 3600},
            priority=URGENT,
        )  # fmt: skip


def confirm(digest, email, name=""):
    """The address owner said yes: from now on every new public comment is mailed to them."""
    with transaction.atomic():
        subscription, _created = Subscription.objects.get_or_create(
            digest=digest, email=email, defaults={"name": name}
        )
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(email, digest_id):
    """Stop every comment mail about one digest to one address: replies to its comments,
    "every new comment", and a subscription. Returns whether anything was on."""
    digest = Digest(pk=digest_id)
    with transaction.atomic():
        # iexact: addresses are stored lower-case, but imported comments may not be.
        comments = (
            DigestComment.objects.for_digest(digest)
            .filter(user_email__iexact=email)
            .exclude(notify=DigestComment.Notify.NONE)
        )
        changed = comments.update(notify=DigestComment.Notify.NONE, followup=False)
        deleted, _counts = Subscription.objects.filter(digest=digest, email__iexact=email).delete()
    return bool(changed or deleted)
