"""Mailing a digest to many followers, measured: `python tools/bench_followers.py`.

For each setup (SQLite and one worker; PostgreSQL and two workers): a database of its
own, N confirmed followers (10,000 by default), gunicorn serving the site, `manage.py
db_worker` processes and an SMTP sink on loopback. One digest is published; the script
prints how long queueing it took (the digest's task), the total send time until the
sink had every mail, mails per second, the workers' peak memory (VmHWM), and page
response times before and while sending (a cached digest page and an uncached search).
It checks that every follower got the digest exactly once. Nothing leaves the machine;
each phase gives up after --timeout seconds.
"""

import argparse
import collections
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mail_helpers import Worker, running_sink, wait_until  # noqa: E402
from tests.ops_helpers import Gunicorn, base_env, fetch, manage, migrated_postgres  # noqa: E402

SEED = """
from followers.models import Follower
Follower.objects.bulk_create(
    (Follower(email=f"reader{{n}}@example.com", state="confirmed") for n in range({n})),
    batch_size=2000,
)
"""
PUBLISH = """
from blog.models import Digest
from tests import factories
digest = Digest.objects.create(
    title="Benchmark digest", slug="benchmark-digest", status="published",
    intro="This week: **minds**, machines and [the cosmos](https://example.org/cosmos).",
)
for n in range(6):
    factories.make_item(digest, title=f"Item {{n + 1}}", position=n)
print(digest.get_absolute_url())
"""
TIMES = """
import json
from django_tasks_db.models import DBTaskResult
[task] = DBTaskResult.objects.filter(task_path="followers.tasks.announce_digest")
print(json.dumps([task.started_at.timestamp(), task.finished_at.timestamp()]))
"""


def peak_kib(pid):
    """The process's peak resident memory (VmHWM) in KiB, or 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Prober(threading.Thread):
    """Requests pages one after another and keeps each response time (seconds)."""

    def __init__(self, url, paths):
        super().__init__(daemon=True)
        self.url, self.paths, self.times, self.running = url, paths, [], True

    def run(self):
        while self.running:
            for path in self.paths:
                started = time.perf_counter()
                status, _, _ = fetch(self.url + path, timeout=30)
                self.times.append((path, time.perf_counter() - started, status))

    def stop(self):
        self.running = False
        self.join(60)


def summary(times, path):
    mine = sorted(t for p, t, _ in times if p == path)
    if not mine:
        return "no requests"
    p95 = mine[min(len(mine) - 1, int(len(mine) * 0.95))]
    return f"median {statistics.median(mine) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, n={len(mine)}"


def run(label, database_url, workers, followers, folder, static_root, timeout):
    print(f"\n== {label}: {followers:,} followers, {workers} worker(s)")
    with running_sink() as sink:
        gunicorn = Gunicorn({}, folder, name=f"gunicorn-{workers}")
        env = base_env(
            DATABASE_URL=database_url,
            DJANGO_STATIC_ROOT=static_root,
            DJANGO_SITE_DOMAIN=f"127.0.0.1:{gunicorn.port}",
            DJANGO_EMAIL_HOST="127.0.0.1",
            DJANGO_EMAIL_PORT=sink.port,
            DJANGO_EMAIL_USE_TLS="0",
            WEB_CONCURRENCY=2,
        )
        gunicorn.env = env
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("shell", "-c", SEED.format(n=followers), env=env, timeout=timeout)
        gunicorn.start()
        try:
            path = manage("shell", "-c", PUBLISH, env=env).stdout.split()[-1]
            paths = [path, "/search/?q=minds"]
            before = Prober(gunicorn.url, paths)
            before.start()
            time.sleep(3)
            before.stop()
            prober = Prober(gunicorn.url, paths)
            procs = [Worker(env, folder, f"{label}-worker-{n}") for n in range(1, workers + 1)]
            started = time.time()
            prober.start()
            peaks = {}
            try:

                def done():
                    for w in procs:
                        peaks[w] = max(peaks.get(w, 0), peak_kib(w.process.pid))
                    return len(sink.received) >= followers

                wait_until(done, timeout, f"{followers:,} mails at the sink")
                finished = time.time()
                time.sleep(1)  # a duplicate would arrive now
            finally:
                prober.stop()
                for worker in procs:
                    worker.stop()
        finally:
            gunicorn.stop()
        queued_from, queued_to = json.loads(
            manage("shell", "-c", TIMES, env=env).stdout.split("\n")[-2]
        )
        counts = collections.Counter(to for to, _, _ in sink.received)
    twice = [address for address, n in counts.items() if n > 1]
    print(f"enqueue (the digest's task, {followers:,} deliveries): {queued_to - queued_from:.2f} s")
    send = finished - started
    print(f"total send time (workers started → last mail at the sink): {send:.1f} s")
    print(f"mails per second: {followers / send:.0f}")
    for worker, peak in peaks.items():
        print(f"peak memory of {worker.log.stem}: {peak / 1024:.0f} MiB")
    for path in paths:
        print(f"{path} before sending: {summary(before.times, path)}")
        print(f"{path} while sending: {summary(prober.times, path)}")
    errors = [s for _, _, s in prober.times if s != 200]
    print(f"page errors while sending: {len(errors)}")
    print(f"addresses that got it: {len(counts):,}; more than once: {len(twice)}")
    return not twice and len(counts) == followers and not errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per phase")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-followers-") as tmp:
        folder = Path(tmp)
        static_root = folder / "static"
        manage(
            "collectstatic", "--noinput", "-v", "0", env=base_env(DJANGO_STATIC_ROOT=static_root)
        )
        sqlite = f"sqlite:///{folder / 'bench.sqlite3'}"
        ok &= run("sqlite", sqlite, 1, args.followers, folder, static_root, args.timeout)
        if not args.skip_postgres:
            with migrated_postgres("digestblog_bench") as url:
                ok &= run("postgresql", url, 2, args.followers, folder, static_root, args.timeout)
    print("\nOK: every follower got the digest exactly once" if ok else "\nFAILED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
