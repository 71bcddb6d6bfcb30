"""Sending activities: one stored Activity, one Delivery per inbox, each sent by a task
(django-tasks, as mailer/ sends mail) after the transaction that made it commits."""

from django.db import transaction

from .models import Activity, Delivery, Inbox
from .tasks import deliver


def send(payload, inbox_urls):
    """Store the activity and queue it for each inbox (those gone excepted); returns how
    many deliveries were queued."""
    activity, _created = Activity.objects.get_or_create(
        uri=payload["id"], defaults={"kind": payload["type"], "payload": payload}
    )
    inboxes = [Inbox.objects.get_or_create(url=url)[0] for url in dict.fromkeys(inbox_urls)]
    rows = [
        Delivery.objects.get_or_create(activity=activity, inbox=inbox)[0]
        for inbox in inboxes
        if inbox.gone_at is None
    ]
    ids = [row.pk for row in rows if row.status == Delivery.Status.PENDING]
    transaction.on_commit(lambda: enqueue(ids))
    return len(ids)


def to_followers(payload):
    """Once to each shared inbox (or personal inbox) the followers have."""
    inboxes = Inbox.objects.filter(followers__isnull=False, gone_at=None).distinct()
    return send(payload, inboxes.values_list("url", flat=True).order_by("url"))


def enqueue(ids):
    for pk in ids:
        deliver.enqueue(pk)
