"""A digest for 1,000 followers through real worker processes and a loopback SMTP sink:
a worker killed with SIGKILL half-way, another started, and every follower has it once."""

import collections
import signal

import pytest

from tests.mail_helpers import Worker, running_sink, wait_until, worker_database, worker_env
from tests.ops_helpers import manage

# 1,000 confirmed followers, then an editor's save that publishes a digest now.
PUBLISH = """
from blog.models import Digest
from followers.models import Follower
Follower.objects.bulk_create(
    Follower(email=f"reader{n}@example.com", state="confirmed") for n in range(1000)
)
Digest.objects.create(title="Crash digest", slug="crash-digest", status="published")
"""
SENT = """
from mailer.models import Delivery
print(Delivery.objects.filter(key__startswith="digest:", status="sent").count())
"""


@pytest.fixture
def database_url(tmp_path):
    with worker_database(tmp_path) as url:
        yield url


@pytest.fixture
def sink():
    with running_sink() as sink:
        yield sink


def test_a_worker_killed_half_way_through_a_digest_sends_each_follower_one_mail(
    database_url, sink, tmp_path
):
    env = worker_env(database_url, sink)
    manage("shell", "-c", PUBLISH, env=env)
    sink.hold_after(500)  # the 501st mail waits at RCPT TO until the worker is dead
    first = Worker(env, tmp_path, "first")
    try:
        assert sink.held.wait(120), first.log.read_text()
    finally:
        first.stop(signal.SIGKILL)
    sink.release()
    assert len(sink.recipients()) == 500

    second = Worker(env, tmp_path, "second")
    try:
        wait_until(lambda: len(sink.recipients()) >= 1000, 120, "1,000 mails at the sink")
        sent = lambda: int(manage("shell", "-c", SENT, env=env).stdout.split()[-1])  # noqa: E731
        wait_until(lambda: sent() == 1000, 60, "every delivery marked sent")
    finally:
        second.stop()
    counts = collections.Counter(sink.recipients())
    assert set(counts) == {f"reader{n}@example.com" for n in range(1000)}
    assert set(counts.values()) == {1}, [a for a, n in counts.items() if n > 1]
    assert {subject for _, subject, _ in sink.received} == {"Crash digest"}
