"""Confirming a guest's email address with a signed, time-limited link (JSON, not pickles)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from blog.site import site_url
from mailer import limits
from mailer.outbox import URGENT, send_after_commit

from .abuse import client_ip
from .models import VerifiedEmail

SALT = "comments.confirm"


def is_verified(email):
    return (
        settings.COMMENTS_REMEMBER_VERIFIED_EMAILS
        and VerifiedEmail.objects.filter(email=email).exists()
    )


def make_token(comment):
    return signing.dumps({"c": comment.pk, "e": comment.user_email}, salt=SALT)


def read_token(token):
    """(comment id, email) from a token; raises signing.BadSignature (or SignatureExpired)."""
    value = signing.loads(token, salt=SALT, max_age=settings.COMMENTS_CONFIRM_MAX_AGE)
    return int(value["c"]), value["e"]


def may_send_confirmation(email, request):
    """Count one confirmation mail to this address from this IP; False once either has had enough.

    Comment and subscription confirmations share the counters, so neither can be used to
    flood a third party's inbox.
    """
    return limits.may_send_confirmation(email, client_ip(request))


def request_confirmation(comment, request):
    """Queue the link's mail, unless this address or IP has had too many already; returns
    whether it was queued."""
    if not may_send_confirmation(comment.user_email, request):
        return False
    url = site_url(reverse("comments:confirm", kwargs={"token": make_token(comment)}))
    send_after_commit(
        f"comment-confirm:{comment.pk}",
        comment.user_email,
        _("Confirm your comment on “%(digest)s”") % {"digest": comment.content_object},
        "comments/mail/confirm.txt",
        {"comment": comment, "url": url, "hours": settings.COMMENTS_CONFIRM_MAX_AGE // 3600},
        priority=URGENT,
    )
    return True


def remember(email):
    VerifiedEmail.objects.get_or_create(email=email)
