"""Real worker processes (`manage.py db_worker`) sending to a real SMTP server on loopback:
killed in the middle of a batch, and two of them sharing one PostgreSQL queue."""

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mail_helpers import Worker, running_sink, wait_until, worker_database, worker_env
from tests.ops_helpers import BASE_DIR, base_env, fetch, free_port, manage

# Queue mails the way the site does (mailer.outbox), from a process of their own.
QUEUE = """
from django.core.mail import EmailMessage
from mailer.outbox import send_all_after_commit
for event in range({events}):
    send_all_after_commit(f"test-event:{{event}}", [
        EmailMessage(f"Event {{event}}", "Hello", "blog@localhost", [f"reader{{n}}@example.com"])
        for n in range({readers})
    ])
"""
STATUS = """
import json
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from mailer.models import Delivery
statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
ids = dict(Delivery.objects.values_list("to", "headers__Message-ID"))
print(json.dumps({"statuses": statuses, "workers": sorted(workers), "message_ids": ids}))
"""


@pytest.fixture
def database_url(tmp_path, request):
    with worker_database(tmp_path, request.node.get_closest_marker("postgres")) as url:
        yield url


@pytest.fixture
def sink():
    with running_sink() as sink:
        yield sink


@pytest.fixture
def mail_env(database_url, sink):
    return worker_env(database_url, sink)


def status(env):
    return json.loads(manage("shell", "-c", STATUS, env=env).stdout.splitlines()[-1])


def test_a_worker_killed_mid_batch_loses_no_mail_and_sends_none_twice(mail_env, sink, tmp_path):
    manage("shell", "-c", QUEUE.format(events=1, readers=200), env=mail_env)
    sink.hold_after(100)  # the 101st mail waits at RCPT TO until the worker is dead
    first = Worker(mail_env, tmp_path, "first")
    try:
        assert sink.held.wait(60), first.log.read_text()
        first.stop(signal.SIGKILL)
    finally:
        first.stop(signal.SIGKILL)
    sink.release()
    assert len(sink.recipients()) == 100
    assert status(mail_env)["statuses"] == {"sent": 100, "pending": 100}

    second = Worker(mail_env, tmp_path, "second")
    try:
        # The retry the first run left behind sends the rest; the mail the dead worker had
        # taken (not yet sent) is sent once its claim runs out.
        wait_until(lambda: len(sink.recipients()) >= 200, 60, "200 mails at the sink")
        wait_until(lambda: status(mail_env)["statuses"] == {"sent": 200}, 30, "all marked sent")
    finally:
        second.stop()
    counts = collections.Counter(sink.recipients())
    assert set(counts) == {f"reader{n}@example.com" for n in range(200)}
    assert set(counts.values()) == {1}, [a for a, n in counts.items() if n > 1]
    stored = status(mail_env)["message_ids"]
    assert all(stored[to] == message_id for to, _, message_id in sink.received)


@pytest.mark.postgres
def test_two_workers_share_the_postgresql_queue_and_never_send_twice(mail_env, sink, tmp_path):
    manage("shell", "-c", QUEUE.format(events=20, readers=5), env=mail_env)
    # Every batch's task twice more, as if views had been retried: three tasks per batch.
    again = "from mailer.models import Delivery\nfrom mailer.tasks import send_deliveries\n"
    again += "for b in set(Delivery.objects.values_list('batch', flat=True)):\n"
    again += "    send_deliveries.enqueue(str(b)); send_deliveries.enqueue(str(b))\n"
    manage("shell", "-c", again, env=mail_env)
    workers = [Worker(mail_env, tmp_path, f"worker-{n}") for n in (1, 2)]
    try:
        wait_until(lambda: len(sink.received) >= 100, 90, "100 mails at the sink")
        wait_until(lambda: status(mail_env)["statuses"] == {"sent": 100}, 30, "all marked sent")
        time.sleep(1)  # any duplicate would arrive now
    finally:
        for worker in workers:
            worker.stop()
    sent = collections.Counter((to, subject) for to, subject, _ in sink.received)
    assert len(sent) == 100 and set(sent.values()) == {1}
    assert status(mail_env)["workers"] == ["worker-1", "worker-2"]  # both took tasks


def children(pid):
    """Processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def start_launcher(database_url, tmp_path):
    """`scripts/with_worker.py runserver`, as `make run` starts it, in a session of its own."""
    port = free_port()
    env = base_env(DATABASE_URL=database_url, DJANGO_PRODUCTION="0", DJANGO_SECRET_KEY="")
    env.pop("DJANGO_SECRET_KEY")
    with open(tmp_path / "launcher.log", "wb") as out:
        launcher = subprocess.Popen(  # noqa: S603
            [sys.executable, "scripts/with_worker.py", sys.executable, "manage.py"]
            + ["runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def serving():
        try:
            return fetch(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    wait_until(lambda: serving() and len(children(launcher.pid)) == 2, 60, "server and worker")
    return launcher, children(launcher.pid)


def gone(pid):
    return not Path(f"/proc/{pid}").exists()


def test_ctrl_c_stops_the_web_server_and_the_worker_together(database_url, tmp_path):
    launcher, pids = start_launcher(database_url, tmp_path)
    try:
        os.killpg(launcher.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert launcher.wait(40) == 0
        assert all(gone(pid) for pid in pids)
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_when_the_worker_dies_the_web_server_is_stopped_too(database_url, tmp_path):
    launcher, pids = start_launcher(database_url, tmp_path)
    try:
        [worker] = [p for p in pids if b"db_worker" in Path(f"/proc/{p}/cmdline").read_bytes()]
        os.kill(worker, signal.SIGKILL)
        assert launcher.wait(40) != 0  # `make run` fails: the site would send no mail
        assert all(gone(pid) for pid in pids)
    finally:
        if launcher.poll() is None:
            launcher.kill()
