"""The task that delivers one activity to one inbox, signed, with retries.

As in mailer.tasks, a run first enqueues its next attempt (exponential backoff) and
withdraws it once the delivery is settled, so a worker killed mid-send leaves a retry.
410 Gone: the inbox is marked gone and never sent to again.
"""

import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from blog import fetch

from . import documents, keys
from .models import Delivery

logger = logging.getLogger(__name__)
# Answers that will not change by asking again (the receiver refuses this activity).
FINAL = frozenset(range(400, 500)) - {408, 429}


def backoff(attempt):
    return settings.FEDIVERSE_RETRY_SECONDS * 2 ** (attempt - 1)


@task()
def deliver(delivery_id, attempt=1):
    row = Delivery.objects.select_related("activity", "inbox").filter(pk=delivery_id).first()
    if row is None or row.status != Delivery.Status.PENDING:
        return {"status": row.status if row else "gone"}
    if not settings.FEDIVERSE_ENABLED:  # switched off since: no key is used
        Delivery.objects.filter(pk=row.pk).update(
            status=Delivery.Status.FAILED, last_error="the fediverse was switched off"
        )
        return {"status": Delivery.Status.FAILED}
    retry = deliver.using(run_after=timezone.now() + timedelta(seconds=backoff(attempt))).enqueue(
        delivery_id, attempt + 1
    )
    status = attempt_once(row, final=attempt >= settings.FEDIVERSE_MAX_ATTEMPTS)
    if status != Delivery.Status.PENDING:
        DBTaskResult.objects.filter(pk=retry.id, status=TaskResultStatus.READY).delete()
    return {"status": status, "attempt": attempt}


def attempt_once(row, final):
    """Sign and POST the activity to the inbox; store and return the delivery's status."""
    now = timezone.now()
    changes = {"attempts": row.attempts + 1, "last_attempt_at": now}
    if row.inbox.gone_at:
        status, error = Delivery.Status.GONE, "the inbox answered 410 Gone before"
    else:
        status, error = _post(row)
        if status == Delivery.Status.GONE:
            type(row.inbox).objects.filter(pk=row.inbox_id).update(gone_at=now)
        if status == Delivery.Status.PENDING and final:
            status = Delivery.Status.FAILED
    if status == Delivery.Status.SENT:
        changes["sent_at"] = now
    Delivery.objects.filter(pk=row.pk).update(status=status, last_error=error[:1000], **changes)
    return status


def body_of(activity):
    return json.dumps(activity.payload, ensure_ascii=False, separators=(",", ":")).encode()


def _post(row):
    url = row.inbox.url
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = body_of(row.activity)
    headers = keys.sign_post(
        keys.key_pair().private_pem,
        documents.key_id(),
        fetch.request_host(url),
        path or "/",
        body,
        documents.CONTENT_TYPE,
    )
    headers["Accept"] = documents.CONTENT_TYPE
    try:
        answer = fetch.post(url, body, headers=headers, max_bytes=64 * 1024)
    except fetch.FetchError as exc:
        logger.warning("Delivery %s to %s failed: %s", row.pk, url, exc)
        return Delivery.Status.PENDING, str(exc)
    if 200 <= answer.status < 300:
        return Delivery.Status.SENT, ""
    error = f"{url} answered {answer.status}"
    if answer.status == 410:
        return Delivery.Status.GONE, error
    if answer.status in FINAL:
        return Delivery.Status.FAILED, error
    return Delivery.Status.PENDING, error
