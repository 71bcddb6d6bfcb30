"""The one way the site sends mail: record a delivery per address, and a task sends them.

The request that causes a mail never talks to the mail server: it stores the rendered mail
in the same transaction as whatever caused it, together with the task that sends it
(django-tasks' database backend keeps tasks in this database). Both become visible to the
worker when the transaction commits, or vanish with it on a rollback.
"""

from email.utils import make_msgid
from uuid import uuid4

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from blog.text import normalise, shorten

from .models import Delivery
from .tasks import send_deliveries

# Task priorities (django-tasks: -100 to 100): a reader waiting for a link goes first.
URGENT, NORMAL = 10, 0


def message(to, subject, template, context, headers=None):
    """One plain-text mail, rendered now (inside the transaction), sent later."""
    context = {**context, "blog_title": settings.BLOG_TITLE}
    # One line (a line break in a header is refused) that mail clients show whole.
    subject = shorten(normalise(subject, drop_nul=True), 150)
    body = render_to_string(template, context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers or {})


def send_after_commit(key, to, subject, template, context, headers=None, priority=NORMAL):
    """Queue one plain-text mail about event `key`; see send_all_after_commit."""
    send_all_after_commit(key, [message(to, subject, template, context, headers)], priority)


def send_all_after_commit(key, messages, priority=NORMAL):
    """Queue mails about event `key` (one recipient each), sent by a worker after the commit.

    An address that already has a mail for this event gets no second one, even if the view
    runs again; returns how many deliveries were new.
    """
    messages = list(messages)
    if not messages:
        return 0
    batch = uuid4()
    domain = Site.objects.get_current().domain.split(":")[0]
    rows = [Delivery.from_message(key, mail, batch) for mail in messages]
    for row in rows:
        # The same Message-ID on every attempt: a receiver can tell a repeat from a new mail.
        row.headers.setdefault("Message-ID", make_msgid(domain=domain))
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        new = Delivery.objects.filter(batch=batch).count()
        if new:
            send_deliveries.using(priority=priority).enqueue(str(batch))
    return new
