"""Comment mail: sent after the transaction commits; a mail server that is down loses nothing."""

import logging

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

from blog.text import normalise, shorten

logger = logging.getLogger(__name__)


def site_url(path=""):
    """An absolute address on this site, for links in mails."""
    domain = Site.objects.get_current().domain
    scheme = "http" if domain.startswith(("127.", "localhost", "testserver")) else "https"
    return f"{scheme}://{domain}{path}"


def message(to, subject, template, context, headers=None):
    """One plain-text mail, rendered now (inside the transaction), sent later."""
    context = {**context, "blog_title": settings.BLOG_TITLE}
    # One line (a line break in a header is refused) that mail clients show whole.
    subject = shorten(normalise(subject, drop_nul=True), 150)
    body = render_to_string(template, context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or {})


def send_after_commit(to, subject, template, context, headers=None):
    """Queue one plain-text mail for when the current transaction commits."""
    send_all_after_commit([message(to, subject, template, context, headers)])


def send_all_after_commit(messages):
    """Queue mails for when the current transaction commits, all over one connection.

    A server that is down costs one failed connection (and one log entry naming every
    recipient), not one timeout per subscriber.
    """
    messages = list(messages)
    if messages:
        transaction.on_commit(lambda: _send(messages))


def _send(messages):
    connection = get_connection()
    try:
        connection.open()
    except Exception:
        # The comment is stored; nothing else depends on these mails.
        logger.exception(
            "Could not send %r to %s: no connection to the mail server",
            messages[0].subject,
            ", ".join(m.to[0] for m in messages),
        )
        return
    try:
        for mail in messages:
            mail.connection = connection
            try:
                mail.send()
            except Exception:
                logger.exception("Could not send %r to %s", mail.subject, mail.to[0])
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the connection to the mail server")
