"""Delivering a digest to the fediverse, measured: `python tools/bench_fediverse.py`.

A throwaway database (SQLite; with DATABASE_URL, a new database on that server) with
--followers remote followers (1,000 by default) spread over --inboxes shared inboxes (50),
all on a stand-in server on loopback that answers 202 (and counts what it got).
--digests digests (5) are published; one `db_worker` (in this process, as
`manage.py db_worker --batch` runs) signs and POSTs every delivery. Prints deliveries,
seconds, deliveries per second and followers reached per second, and checks each inbox
got each digest exactly once. Nothing leaves the machine.
"""

import argparse
import collections
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench-fediverse-")
RECEIVED = collections.Counter()
LOCK = threading.Lock()


class StandIn(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        assert self.headers["Signature"] and self.headers["Digest"]
        with LOCK:
            RECEIVED[self.path] += 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--inboxes", type=int, default=50)
    parser.add_argument("--digests", type=int, default=5)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_MEDIA_ROOT=f"{TMP}/media",
        BLOG_FETCH_VIDEO_POSTERS="0",
        FEDIVERSE_ENABLED="1",
        FETCH_ALLOWED_PRIVATE=f"127.0.0.1:{port}",
        DJANGO_LOG_LEVEL="ERROR",
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
    import django

    django.setup()
    from tools.throwaway import throwaway_database

    with throwaway_database("bench_fediverse", sqlite_file=f"{TMP}/bench.sqlite3"):
        run(args, server)


def run(args, server):
    port = server.server_port
    from django.core.management import call_command
    from django.utils import timezone

    from blog.news import not_news
    from fediverse import keys, publishing
    from fediverse.models import Delivery, Follower, Inbox, RemoteActor
    from tests import factories
    from tools.throwaway import database_description

    keys.key_pair()  # made once, as on a running site
    inboxes = Inbox.objects.bulk_create(
        Inbox(url=f"http://127.0.0.1:{port}/s{n}/inbox") for n in range(args.inboxes)
    )
    actors = RemoteActor.objects.bulk_create(
        RemoteActor(
            uri=f"http://127.0.0.1:{port}/s{n % args.inboxes}/users/{n}",
            key_id=f"http://127.0.0.1:{port}/s{n % args.inboxes}/users/{n}#key",
            public_key_pem="-",
            inbox=f"http://127.0.0.1:{port}/s{n % args.inboxes}/users/{n}/inbox",
            shared_inbox=inboxes[n % args.inboxes].url,
        )  # fmt: skip
        for n in range(args.followers)
    )
    Follower.objects.bulk_create(
        Follower(actor=actor, inbox=inboxes[n % args.inboxes]) for n, actor in enumerate(actors)
    )
    with not_news():  # published here, not by a save's task
        digests = [
            factories.make_digest(f"Benchmark digest {n}", items=6, published_at=timezone.now())
            for n in range(args.digests)
        ]
    for digest in digests:  # what each digest's publishing task does; not timed
        publishing.publish.call(digest.pk)
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
    started = time.perf_counter()
    call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False,
                 verbosity=0)  # fmt: skip
    seconds = time.perf_counter() - started
    server.shutdown()
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    assert sent == pending == args.inboxes * args.digests, (sent, pending)
    assert set(RECEIVED.values()) == {args.digests}, RECEIVED
    reached = args.followers * args.digests
    print(f"{args.followers} followers on {args.inboxes} shared inboxes, {args.digests} digests,"
          f" {database_description()}")  # fmt: skip
    print(f"deliveries: {sent} in {seconds:.2f} s: {sent / seconds:.1f} deliveries/s")
    print(f"followers reached: {reached / seconds:.0f}/s (one POST per shared inbox)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
