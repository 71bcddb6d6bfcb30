"""The one way the site sends mail: record a delivery per address, and a task sends them.

The request that causes a mail never talks to the mail server: it stores the rendered mail
in the same transaction as whatever caused it, together with the task that sends it
(django-tasks' database backend keeps tasks in this database). Both become visible to the
worker when the transaction commits, or vanish with it on a rollback.
"""

from datetime import timedelta
from email.utils import make_msgid
from uuid import uuid4

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from blog.text import normalise, shorten

from .models import Delivery
from .tasks import send_deliveries

# Task priorities (django-tasks: -100 to 100): a reader waiting for a link goes first.
URGENT, NORMAL = 10, 0
# What a mail client's one-click unsubscribe POSTs (RFC 8058).
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


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


def send_all_after_commit(key, messages, priority=NORMAL, run_after=None):
    """Queue mails about event `key` (one recipient each), sent by a worker after the commit
    (not before `run_after`, if given).

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
            send_deliveries.using(priority=priority, run_after=run_after).enqueue(str(batch))
    return new


def send_in_batches(key, messages, batch_size, per_minute=0, priority=NORMAL):
    """Queue many mails about one event as batches of `batch_size`, each its own task; with
    `per_minute`, batch n waits n * batch_size / per_minute minutes, so that a small mail
    relay is never handed more than it takes. Returns how many deliveries were new."""
    started, new, chunk = timezone.now(), 0, []
    spacing = timedelta(minutes=batch_size / per_minute) if per_minute else timedelta(0)

    def flush(number):
        run_after = started + number * spacing if number and per_minute else None
        return send_all_after_commit(key, chunk, priority, run_after)

    number = 0
    for mail in messages:
        chunk.append(mail)
        if len(chunk) == batch_size:
            new += flush(number)
            number, chunk = number + 1, []
    if chunk:
        new += flush(number)
    return new


def unsubscribe_headers(url, list_id=""):
    """RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to url;
    RFC 2919's List-Id names the list, so filters can sort its mail."""
    headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK_BODY}
    if list_id:
        headers["List-Id"] = list_id
    return headers
