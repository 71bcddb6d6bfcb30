"""Comment mail: sent after the transaction commits; a mail server that is down loses nothing."""

import logging

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def site_url(path=""):
    """An absolute address on this site, for links in mails."""
    domain = Site.objects.get_current().domain
    scheme = "http" if domain.startswith(("127.", "localhost", "testserver")) else "https"
    return f"{scheme}://{domain}{path}"


def send_after_commit(to, subject, template, context, headers=None):
    """Queue one plain-text mail for when the current transaction commits."""
    context = {**context, "blog_title": settings.BLOG_TITLE}
    body = render_to_string(template, context)

    def send():
        message = EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or {}
        )
        try:
            message.send()
        except Exception:
            # The comment is stored; the mail can be sent again from the admin.
            logger.exception("Could not send %r to %s", subject, to)

    transaction.on_commit(send)
