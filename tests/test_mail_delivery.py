"""Mail goes out from the task worker, never from a reader's request: a mail server that is
down or hanging costs the reader nothing, and its mail is retried, then shown as failed."""

import json
import time
from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comments.models import DigestComment
from mailer.models import Delivery
from mailer.outbox import send_all_after_commit
from tests.comment_helpers import post_comment
from tests.mail_helpers import SilentServer

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def send_tasks():
    """The send task's runs as the engine stored them, in the order they were enqueued."""
    return list(
        DBTaskResult.objects.filter(task_path="mailer.tasks.send_deliveries").order_by(
            "enqueued_at"
        )
    )


def mails(key, *addresses):
    return send_all_after_commit(
        key, [EmailMessage(f"About {key}", "Hello", "blog@localhost", [a]) for a in addresses]
    )


def run_until_final(run_worker, timeout=15):
    """Run the worker until no delivery is pending (retries wait for their run_after)."""
    deadline = time.monotonic() + timeout
    while Delivery.objects.pending().exists():
        assert time.monotonic() < deadline, "deliveries still pending"
        run_worker()
        time.sleep(0.05)


def test_a_refused_mail_server_is_retried_with_backoff_then_shown_as_failed(
    client, digest, editor, settings, run_worker, mailoutbox
):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    settings.MAIL_MAX_ATTEMPTS, settings.MAIL_RETRY_SECONDS = 3, 0.3
    started = time.perf_counter()
    response = post_comment(client, digest)
    print(f"comment POST with a refused mail server: {time.perf_counter() - started:.3f} s")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Almost done: we will send a link to ada@example.com in a moment." in page
    [delivery] = Delivery.objects.all()
    assert (delivery.status, delivery.attempts, delivery.key) == (
        "pending",
        0,
        f"comment-confirm:{DigestComment.objects.get().pk}",
    )

    run_until_final(run_worker)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert mailoutbox == []
    runs = send_tasks()
    assert [r.return_value["attempt"] for r in runs] == [1, 2, 3]  # no fourth left waiting
    assert all(r.status == "SUCCESSFUL" for r in runs)
    # Each retry was put off: 0.3 s after the first run started, then 0.6 s.
    waits = [
        later.run_after - earlier.started_at for earlier, later in zip(runs, runs[1:], strict=False)
    ]
    assert waits[0] >= timedelta(seconds=0.3) and waits[1] >= timedelta(seconds=0.6)

    client.force_login(editor)
    changelist = reverse("admin:mailer_delivery_changelist")
    page = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "ada@example.com" in page and "ConnectionRefusedError" in page
    assert (
        "ada@example.com" not in client.get(changelist, {"status__exact": "sent"}).content.decode()
    )

    settings.EMAIL_BACKEND = LOCMEM  # the mail server is fixed; the editor sends it again
    data = {"action": "send_again", "_selected_action": [delivery.pk]}
    response = client.post(changelist, data, follow=True)
    assert "1 mail queued to be sent again." in response.content.decode()
    run_worker()
    [mail] = mailoutbox
    assert mail.to == ["ada@example.com"] and "/comments/confirm/" in mail.body
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.last_error == ""
    assert mail.message()["Message-ID"] == delivery.headers["Message-ID"]


def test_a_hanging_mail_server_never_holds_up_a_reader(client, digest, settings, run_worker):
    hanging = SilentServer()
    try:
        settings.EMAIL_BACKEND = SMTP
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hanging.port
        settings.EMAIL_TIMEOUT = 1
        started = time.perf_counter()
        response = post_comment(client, digest)
        print(f"comment POST with a hanging mail server: {time.perf_counter() - started:.3f} s")
        assert response.status_code == 302
        assert hanging.connections == 0  # the request never even connected
        started = time.perf_counter()
        run_worker()
        print(f"worker run against it (EMAIL_TIMEOUT=1): {time.perf_counter() - started:.3f} s")
        assert hanging.connections == 1
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and "timed out" in delivery.last_error
    finally:
        hanging.stop()


def test_the_same_event_is_mailed_once_per_address(run_worker, mailoutbox):
    assert mails("digest-news:7", "a@example.com", "b@example.com") == 2
    assert mails("digest-news:7", "a@example.com", "c@example.com") == 1  # a has it already
    assert mails("digest-news:7", "b@example.com") == 0
    assert mails("digest-news:8", "a@example.com") == 1  # another event
    assert len(send_tasks()) == 3  # nothing new, no task
    run_worker()
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == [
        ("a@example.com", "About digest-news:7"),
        ("a@example.com", "About digest-news:8"),
        ("b@example.com", "About digest-news:7"),
        ("c@example.com", "About digest-news:7"),
    ]
    run_worker()
    assert len(mailoutbox) == 4  # a second run sends nothing again


def test_mail_of_a_rolled_back_transaction_is_never_sent(run_worker, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        mails("rolled-back:1", "a@example.com")
        raise RuntimeError("the comment was not stored after all")
    assert not Delivery.objects.exists() and send_tasks() == []
    run_worker()
    assert mailoutbox == []


def test_readyz_reports_the_oldest_waiting_task(client, settings, run_worker):
    def tasks_check():
        response = client.get("/readyz")
        return response.status_code, json.loads(response.content)

    status, report = tasks_check()
    assert status == 200 and report["checks"]["tasks"]["waiting"] == 0

    mails("readyz:1", "a@example.com")
    time.sleep(0.05)
    status, report = tasks_check()
    tasks = report["checks"]["tasks"]
    assert status == 200 and tasks["ok"] and tasks["waiting"] == 1
    assert tasks["oldest_seconds"] > 0

    settings.TASKS_MAX_WAIT_SECONDS = 0  # the worker is far behind (or not running)
    status, report = tasks_check()
    assert status == 200  # mail is late, but the pages work: the node stays ready
    assert report["status"] == "degraded"
    assert report["checks"]["tasks"]["ok"] is False
    assert report["checks"]["tasks"]["required"] is False

    run_worker()
    status, report = tasks_check()
    assert report["status"] == "ok" and report["checks"]["tasks"]["waiting"] == 0
