"""The task that sends a batch of deliveries, and its retries (django-tasks, database backend).

django-tasks has no retries of its own, so a run first enqueues the next attempt with
`run_after` (exponential backoff) and withdraws it once nothing is left to send. A worker
killed mid-batch therefore leaves that next attempt behind, which sends the rest.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .models import Delivery

logger = logging.getLogger(__name__)


def backoff(attempt):
    """Seconds to wait after attempt `attempt` before the next one: 1, 2, 4... times the base."""
    return settings.MAIL_RETRY_SECONDS * 2 ** (attempt - 1)


@task(takes_context=True)
def send_deliveries(context, batch, attempt=1):
    """Send the batch's unsent mails over one connection, each marked sent once accepted."""
    retry = send_deliveries.using(
        priority=context.task_result.task.priority,
        run_after=timezone.now() + timedelta(seconds=backoff(attempt)),
    ).enqueue(batch, attempt + 1)
    deliveries = Delivery.objects.filter(batch=batch)
    if attempt > settings.MAIL_MAX_ATTEMPTS:
        # The last attempt was cut short (its worker stopped): give up on what it left.
        error = RuntimeError(f"no attempt left after {settings.MAIL_MAX_ATTEMPTS}")
        deliveries.unclaimed().record_failure(error, final=True)
    else:
        send(deliveries, final=attempt == settings.MAIL_MAX_ATTEMPTS)
    if not deliveries.pending().exists():
        # Nothing left for the next attempt: withdraw it unless a worker has started it.
        DBTaskResult.objects.filter(pk=retry.id, status=TaskResultStatus.READY).delete()
    counts = {status.value: deliveries.filter(status=status).count() for status in Delivery.Status}
    return {"attempt": attempt, **counts}


def send(deliveries, final):
    """One SMTP connection for every delivery of the batch that no other worker holds."""
    due = list(deliveries.unclaimed().order_by("pk").values_list("pk", flat=True))
    if not due:
        return
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:
        # Nothing was sent: the whole batch waits for the next attempt (or has failed).
        logger.warning("No connection to the mail server for %d mails: %s", len(due), exc)
        deliveries.filter(pk__in=due).unclaimed().record_failure(exc, final, count_attempt=True)
        return
    try:
        for pk in due:
            send_one(deliveries, pk, connection, final)
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the connection to the mail server")


def send_one(deliveries, pk, connection, final):
    delivery = deliveries.claim(pk, settings.MAIL_CLAIM_SECONDS)
    if delivery is None:  # sent or taken by another worker meanwhile
        return
    try:
        delivery.email(connection).send()
    except Exception as exc:
        # The delivery's id, never its address: logs are read by more people than the admin.
        logger.warning("Could not send delivery %s (%s): %s", pk, delivery.key, exc)
        deliveries.filter(pk=pk).record_failure(exc, final)
    else:
        # Marked right after the server took it: a worker killed later does not send it again.
        deliveries.mark_sent(pk)
