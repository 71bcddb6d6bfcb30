"""`make loadtest`: gunicorn with 2 workers on PostgreSQL under a bounded load from wrk.

1. (Re)creates its own PostgreSQL database (digestblog_loadtest) and migrates it.
2. Seeds 100 published digests of five items; the newest gets 250 public comments in
   threads up to five levels deep.
3. Starts gunicorn (gunicorn.conf.py, 2 workers) twice on a free loopback port:
   uncached (DJANGO_PAGE_CACHE_SECONDS=0), then with the page cache in Redis
   (a database number and key prefix of its own, deleted afterwards).
4. Each time runs wrk (Debian's; locust headless if wrk is missing) against the home
   page, the 250-comment digest and the RSS feed, and against a plain view of the same
   app that returns a fixed body of each page's size (DJANGO_LOADTEST=1 only).
5. Yardsticks (tools/nginx_edge.py, Debian's nginx): nginx serving each page's very bytes
   from a file (the most this machine can serve), and nginx's proxy_cache as
   docs/deploy.md configures it in front of the cached app ("edge").
6. Prints requests/s, p50 and p99, the ratio to the plain view of the same size, queries
   per page (counted in-process) and the RSS of each gunicorn worker after the load; then
   each page cached and at the edge as a ratio to the plain view and to the file.
7. Sequential rendered timings (issue 12), then instructions per request under valgrind's
   callgrind (tools/instructions.py), when valgrind is installed.

Only loopback addresses are loaded; every run is bounded by --duration.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"home": 350, "digest": 100}  # uncached req/s from issue 5
P99_DIGEST_MS = 150
CACHED_RATIO = 0.60
CACHED_P99_MS = 30
EDGE_RATIO = 0.50  # of nginx serving the same bytes from a file
MEMORY_MB = 120
# mode: (PAGE_CACHE_SECONDS, FRAGMENT_CACHE_SECONDS). "rendered": every part of every page
# rendered for every request; "uncached": no page cache (as for signed-in readers and
# page cache misses), shared fragments on; "cached": what anonymous readers get.
CPU_RUNS = 20
MODES = {"rendered": (0, 0), "uncached": (0, 600), "cached": (600, 600)}
# Collected static files, logs: thrown away at the end.
WORK = Path(tempfile.mkdtemp(prefix="digestblog-loadtest-"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = ["run", "seed", "rendered", "instructions", "instructions-child"]
    parser.add_argument("command", nargs="?", default="run", choices=commands)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="digestblog_loadtest")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="runs per page (best kept)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rendered-only", action="store_true", help="only the sequential rendered timings"
    )
    args = parser.parse_args()
    try:
        if args.command == "seed":
            seed_and_count()
        elif args.command == "rendered":
            time_rendered()
        elif args.command == "instructions":
            count_instructions(args)
        elif args.command == "instructions-child":  # under callgrind (tools/instructions.py)
            sys.path.insert(0, str(ROOT))
            from tools import instructions

            instructions.child({mode: MODES[mode] for mode in instructions.REQUESTS}, timed_pages)
        else:
            run(args)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


# Orchestration (the plain Python process; Django runs in the children) ------------


def run(args):
    os.chdir(ROOT)
    tool = "wrk" if shutil.which("wrk") else "locust"
    if tool == "locust" and not shutil.which(str(BIN / "locust")):
        sys.exit("Neither wrk (apt-get install wrk) nor locust (pip install locust) is here.")
    prefix = f"loadtest-{secrets.token_hex(4)}"
    env = environment(args, prefix)
    collect_static(env)
    say(f"database {args.database}: recreating, migrating, seeding…")
    recreate_database(args.postgres, args.database)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    seeded = json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "seed"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.splitlines()[-1]
    )  # fmt: skip
    pages = seeded["pages"]
    load_now = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    say(f"load average before: {load_now}")
    say(
        f"seeded {seeded['digests']} digests × {seeded['items']} items; "
        f"{seeded['comments']} comments on {pages['digest']} (deepest level "
        f"{seeded['max_level']}); {tool}, {args.connections} connections, "
        f"{args.duration} s per page, gunicorn --workers {args.workers}"
    )
    rows, memory = [], {}
    try:
        for mode, (page_seconds, fragment_seconds) in MODES.items():
            if args.rendered_only:
                break
            mode_env = {
                **env,
                "DJANGO_PAGE_CACHE_SECONDS": str(page_seconds),
                "DJANGO_FRAGMENT_CACHE_SECONDS": str(fragment_seconds),
            }
            with Gunicorn(mode_env) as server:
                sizes = {}
                for name, path in pages.items():
                    sizes[name] = warm_up(server.url + path, mode)
                for name, path in pages.items():
                    page, plain = None, None
                    # Page and yardstick in turn, the best of each kept: the machine is
                    # shared, and a burst of other work should not decide a row.
                    for _ in range(args.rounds):
                        logged = server.log.stat().st_size
                        page = best(page, load(tool, server.url + path, args))
                        server.say_app_side(logged, f"{name} {mode}")
                        plain_url = f"{server.url}/_loadtest/plain/{sizes[name]}/"
                        plain = best(plain, load(tool, plain_url, args))
                    measured = seeded["queries"][name][mode]
                    rows.append((name, mode, sizes[name], page, plain, measured))
                memory[mode] = server.worker_rss_mb()
        sticks = {}
        if rows:
            report(rows, memory, args, tool)
            sticks = yardsticks(env, pages, args, tool)
    finally:
        flush_prefix(args.redis, prefix)
    summary(rows, sticks)
    report_rendered(env)
    count_instructions(args, env)


def environment(args, prefix):
    """The children's environment: production mode on the load test's own database and
    Redis key prefix."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))},
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_LOADTEST": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CACHE_KEY_PREFIX": prefix,
        "REDIS_URL": args.redis,
        "BLOG_FETCH_VIDEO_POSTERS": "0",
        "WEB_CONCURRENCY": str(args.workers),
        # Workers are not recycled mid-run: their memory after the load is what it grew to.
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONUNBUFFERED": "1",
        # Production mode as `make serve` runs it: hashed static files, JSON logs; no
        # HTTPS redirect on loopback.
        "DJANGO_PRODUCTION": "1",
        "DJANGO_HTTPS": "0",
        "DJANGO_STATIC_ROOT": str(WORK / "static"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def collect_static(env):
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip


def count_instructions(args, env=None):
    """Instructions per request (tools/instructions.py), if valgrind is installed; alone
    (env None), on the database an earlier run seeded."""
    sys.path.insert(0, str(ROOT))
    from tools import instructions

    if not instructions.binary():
        say("\nvalgrind is not installed (apt-get install valgrind): no instruction counts")
        return
    if env is None:
        os.chdir(ROOT)
        env = environment(args, f"loadtest-{secrets.token_hex(4)}")
        collect_static(env)
    say("\ncounting instructions per request under callgrind (about two minutes)…")
    try:
        counts = instructions.measure(env, WORK / "callgrind")
    finally:
        flush_prefix(args.redis, env["DJANGO_CACHE_KEY_PREFIX"])
    instructions.report(counts, say)


def yardsticks(env, pages, args, tool):
    """{page: {"file": run, "edge": run}}: nginx serving the page's bytes from a file, and
    nginx's proxy_cache (docs/deploy.md) in front of the cached app."""
    sys.path.insert(0, str(ROOT))
    from tools import nginx_edge

    if not nginx_edge.binary():
        say("nginx is not installed (apt-get install nginx): no file or edge yardsticks")
        return {}
    cached_env = {**env, "DJANGO_PAGE_CACHE_SECONDS": "600", "DJANGO_FRAGMENT_CACHE_SECONDS": "600"}
    files, folder = WORK / "files", WORK / "nginx"
    files.mkdir()
    folder.mkdir()
    results = {}
    with Gunicorn(cached_env) as server:
        for name, path in pages.items():
            warm_up(server.url + path, "cached")
            with urllib.request.urlopen(server.url + path, timeout=30) as response:  # noqa: S310
                (files / f"{name}.html").write_bytes(response.read())
        port = int(server.url.rsplit(":", 1)[1])
        with nginx_edge.Nginx(folder, port, files=files, workers=args.workers) as nginx:
            for name, path in pages.items():
                edge_state(nginx.url + path)
                file_run, edge_run = None, None
                for _ in range(args.rounds):
                    file_run = best(file_run, load(tool, f"{nginx.file_url}{name}.html", args))
                    edge_run = best(edge_run, load(tool, nginx.url + path, args))
                results[name] = {"file": file_run, "edge": edge_run}
    return results


def edge_state(url):
    """A few requests through nginx until it serves the page from its cache."""
    for _ in range(10):
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            response.read()
            if response.headers.get("X-Cache") == "HIT":
                return
    sys.exit(f"{url} is not served from nginx's cache")


def summary(rows, sticks):
    """Each page cached and at the edge, as a ratio to the yardsticks of the same bytes."""
    cached = {name: (page, plain) for name, mode, _, page, plain, _ in rows if mode == "cached"}
    if not cached:
        return
    say("")
    say("Yardsticks: plain = the app's plain view of the same size; file = nginx serving the")
    say("page's bytes from a file; edge = nginx proxy_cache (docs/deploy.md) before the app.")
    say(
        f"{'page':<8} {'plain':>7} {'file':>7} {'cached':>7} {'p50':>6} {'p99':>6} "
        f"{'/plain':>6} {'/file':>6} {'edge':>7} {'p50':>6} {'p99':>6} {'/file':>6}"
    )
    verdicts = []
    for name, (page, plain) in cached.items():
        stick = sticks.get(name)
        file_rps = stick["file"]["rps"] if stick else 0.0
        edge = stick["edge"] if stick else {"rps": 0.0, "p50": 0.0, "p99": 0.0}
        to_plain = page["rps"] / plain["rps"] if plain["rps"] else 0.0
        to_file = page["rps"] / file_rps if file_rps else 0.0
        edge_to_file = edge["rps"] / file_rps if file_rps else 0.0
        say(
            f"{name:<8} {plain['rps']:>7.0f} {file_rps:>7.0f} {page['rps']:>7.0f} "
            f"{page['p50']:>6.1f} {page['p99']:>6.1f} {to_plain:>6.0%} {to_file:>6.0%} "
            f"{edge['rps']:>7.0f} {edge['p50']:>6.1f} {edge['p99']:>6.1f} {edge_to_file:>6.0%}"
        )
        for run in (stick or {}).values():
            if run["errors"] or run["socket_errors"]:
                say(f"  ! {name}: {run['errors']} non-2xx, socket errors {run['socket_errors']}")
        verdicts.append((f"cached {name} p99 ≤ {CACHED_P99_MS} ms", page["p99"] <= CACHED_P99_MS))
        if stick:
            label = f"edge {name} ≥ {EDGE_RATIO:.0%} of the file"
            verdicts.append((label, edge_to_file >= EDGE_RATIO))
    say("")
    for label, ok in verdicts:
        say(f"{'PASS' if ok else 'MISS'}  {label}")


def say(message):
    print(message, flush=True)


def recreate_database(postgres, name):
    import psycopg

    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_prefix(redis_url, prefix):
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn (gunicorn.conf.py when present) on a free loopback port, for one mode."""

    def __init__(self, env):
        self.env = env
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = WORK / "gunicorn.log"

    def __enter__(self):
        bind = self.url.removeprefix("http://")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [str(BIN / "gunicorn"), "config.wsgi", "--bind", bind,
                 "--workers", self.env["WEB_CONCURRENCY"]],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/robots.txt", timeout=5).read()  # noqa: S310
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.unlink(missing_ok=True)

    def say_app_side(self, offset, label):
        """What the access log says of the requests since offset: how many each worker
        answered, and the app's own time for them (p50, p99), beside what wrk saw."""
        workers, times = {}, []
        with self.log.open("rb") as log:
            log.seek(offset)
            for line in log:
                if not line.startswith(b"{"):
                    continue
                entry = json.loads(line)
                if entry.get("logger") == "gunicorn.access":
                    workers[entry["pid"]] = workers.get(entry["pid"], 0) + 1
                    times.append(float(entry["duration_ms"]))
        if times:
            times.sort()
            split = "/".join(str(n) for n in sorted(workers.values()))
            p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99) - 1]
            say(
                f"  {label}: {len(times)} answered ({split} per worker), "
                f"app p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )

    def worker_rss_mb(self):
        """RSS of each worker (the master's children), in MB."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if int(fields.get("PPid", "0")) == self.process.pid:
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)


def warm_up(url, mode, requests=30):
    """A few requests first (imports, connections, the cache); returns the page's size."""
    size = 0
    for _ in range(requests):
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            size = len(response.read())
            state = response.headers.get("X-Page-Cache")
    if mode == "cached" and "/_loadtest/" not in url and state != "hit":
        sys.exit(f"{url} is not served from the cache ({state!r})")
    return size


def best(kept, run):
    return run if kept is None or run["rps"] > kept["rps"] else kept


def load(tool, url, args):
    if tool == "wrk":
        return run_wrk(url, args)
    return run_locust(url, args)


def run_wrk(url, args):
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk"), f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
         "--latency", "--timeout", "10s", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {
        pct: to_ms(value, unit)
        for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": (int(errors.group(1)) if errors else 0),
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_locust(url, args):
    """Headless locust: one user per connection, no wait, for the same duration."""
    host, _, path = url.partition("://")[2].partition("/")
    locustfile = WORK / "locustfile.py"
    locustfile.write_text(
        "from locust import FastHttpUser, task\n"
        "class Reader(FastHttpUser):\n"
        "    @task\n"
        f"    def page(self):\n        self.client.get('/{path}')\n"
    )
    prefix = WORK / "locust"
    try:
        subprocess.run(  # noqa: S603
            [str(BIN / "locust"), "-f", str(locustfile), "--headless", "-u",
             str(args.connections), "-r", str(args.connections), "-t", f"{args.duration}s",
             "--host", f"http://{host}", "--csv", str(prefix), "--only-summary"],
            check=True, capture_output=True,
        )  # fmt: skip
        lines = Path(f"{prefix}_stats.csv").read_text().splitlines()
        header = lines[0].split(",")
        total = dict(zip(header, lines[-1].split(","), strict=False))
        return {
            "rps": float(total["Requests/s"]),
            "p50": float(total["50%"]),
            "p99": float(total["99%"]),
            "errors": int(total["Failure Count"]),
            "socket_errors": "",
        }
    finally:
        locustfile.unlink(missing_ok=True)
        for csv in WORK.glob("locust_*.csv"):
            csv.unlink()


def report(rows, memory, args, tool):
    say("")
    say(
        f"{'page':<8} {'mode':<9} {'bytes':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'plain req/s':>11} {'plain p99':>9} {'vs plain':>8} {'queries':>7} {'cpu ms':>6}"
    )
    verdicts = []
    for name, mode, size, page, plain, measured in rows:
        ratio = page["rps"] / plain["rps"] if plain["rps"] else 0.0
        say(
            f"{name:<8} {mode:<9} {size:>8} {page['rps']:>8.0f} {page['p50']:>8.1f} "
            f"{page['p99']:>8.1f} {plain['rps']:>11.0f} {plain['p99']:>9.1f} {ratio:>7.0%} "
            f"{measured['queries']:>7} {measured['cpu_ms']:>6.1f}"
        )
        for run in (page, plain):
            if run["errors"] or run["socket_errors"]:
                errors, sockets = run["errors"], run["socket_errors"]
                say(f"  ! {name} {mode}: {errors} non-2xx, socket errors {sockets}")
        if mode == "uncached" and name in TARGETS:
            verdicts.append(
                (f"uncached {name} ≥ {TARGETS[name]} req/s", page["rps"] >= TARGETS[name])
            )
        if mode == "uncached" and name == "digest":
            verdicts.append(
                (f"uncached digest p99 < {P99_DIGEST_MS} ms", page["p99"] < P99_DIGEST_MS)
            )
        if mode == "cached":
            verdicts.append((f"cached {name} ≥ {CACHED_RATIO:.0%} of plain", ratio >= CACHED_RATIO))
    say("cpu ms: Django's CPU time per request, in-process (test client), no HTTP server")
    say("plain p99: the plain view's own tail on this machine, beside the cached p99 target")
    say("")
    for mode, sizes in memory.items():
        listed = ", ".join(f"{mb:.0f}" for mb in sizes)
        say(f"worker RSS after the {mode} load: {listed} MB")
        verdicts.append(
            (f"{mode} worker memory ≤ {MEMORY_MB} MB", bool(sizes) and max(sizes) <= MEMORY_MB)
        )
    say("")
    for label, ok in verdicts:
        say(f"{'PASS' if ok else 'MISS'}  {label}")
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    say(f"\nload average at the end: {load} (other work on the machine skews every number)")
    say(
        f"{tool} -t{args.threads} -c{args.connections} -d{args.duration}s, best of "
        f"{args.rounds} per row, from this "
        f"machine ({os.cpu_count()} cores, shared with gunicorn, PostgreSQL and Redis)."
    )


# Seeding and query counts (a child process with Django set up) --------------------


COMMENT = (
    "Thanks for collecting these. The second video explains entropy better than any "
    "textbook I had, and the paper linked under it is worth the read.\n\n"
    "One question: is there a written version of the talk, with the slides?"
)


def seed_and_count():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from tools.bench import seed

    newest = seed(100, 5)
    placed = seed_comments(newest, 250)
    settle(connection)
    pages = {"home": "/", "digest": newest.get_absolute_url(), "feed": "/feed/"}
    print(
        json.dumps(
            {
                "digests": 100,
                "items": 5,
                "comments": len(placed),
                "max_level": max(c.level for c in placed),
                "pages": pages,
                "queries": {name: count_queries(path) for name, path in pages.items()},
            }
        )
    )


def seed_comments(digest, count):
    """`count` public comments on digest, in threads up to five levels deep (the same
    shape for the same count)."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from blog.sanitize import render_comment_text
    from comments.models import DigestComment
    from comments.services import create_comment

    rng = random.Random(count)  # noqa: S311 (reproducible shape, not security)
    comment_html = render_comment_text(COMMENT)
    start = timezone.now() - timedelta(days=2)
    placed = []
    for n in range(count):
        open_parents = [c for c in placed if c.level < 4]
        parent = None if n < 30 or rng.random() < 0.15 else rng.choice(open_parents)
        comment = create_comment(
            digest,
            parent,
            user_name=f"Reader {n}",
            user_email=f"reader{n}@example.com",
            user_url="https://example.com/" if n % 3 == 0 else "",
            comment=COMMENT,
            comment_html=comment_html,
            state=DigestComment.State.PUBLIC,
            submit_date=start + timedelta(minutes=n),
            ip_address="192.0.2.1",
        )
        placed.append(comment)
    return placed


# The "rendered" yardstick: nothing cached, one request at a time ---------------------

RENDERED_RUNS = 20
# ms per request, sequential, median of RENDERED_RUNS (issue 12).
RENDERED_TARGETS = {"digest 250": 15, "digest 2500": 150, "home": 5, "feed 20": 10}


def report_rendered(env):
    """Seed a digest with 2,500 comments and print the rendered timings (a child process)."""
    say(
        "\nrendered: no page cache, no fragments; stored drawings (comments, cards, feed "
        "entries, items) in use; sequential, in-process (test client), median of 20…"
    )
    mode_env = {**env, "DJANGO_PAGE_CACHE_SECONDS": "0", "DJANGO_FRAGMENT_CACHE_SECONDS": "0"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "rendered"],
        env=mode_env, check=True, capture_output=True, text=True,
    ).stdout.splitlines()[-1]  # fmt: skip
    timed = json.loads(out)
    say(
        f"{'page':<12} {'bytes':>8} {'median ms':>9} {'p90 ms':>7} {'cpu ms':>6} {'queries':>7} "
        f"{'target':<14} {'redrawn ms':>10}"
    )
    for name, row in timed["pages"].items():
        target = RENDERED_TARGETS[name]
        verdict = f"{'PASS' if row['median_ms'] <= target else 'MISS'} ≤ {target} ms"
        say(
            f"{name:<12} {row['bytes']:>8} {row['median_ms']:>9.1f} {row['p90_ms']:>7.1f} "
            f"{row['cpu_ms']:>6.1f} {row['queries']:>7} {verdict:<14} "
            f"{row['first_ms']:>10.1f}"
        )
    say("cpu ms: this process's CPU time, median (the rest of the machine hardly moves it)")
    say("redrawn ms: one request after every stored drawing was dropped (a new template)")
    say(f"peak RSS of the timing process: {timed['rss_mb']:.0f} MB (target ≤ {MEMORY_MB} MB)")


def time_rendered():
    """Child: the 250- and 2,500-comment digests, the home page, the 20-entry feed, each
    requested RENDERED_RUNS times after a warm-up, timed around the whole request."""
    import resource
    import statistics

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from blog.models import Digest
    from caching.models import Drawing
    from comments.models import DigestComment

    newest, second = Digest.objects.published().order_by("-published_at")[:2]
    if not DigestComment.objects.for_digest(second).exists():
        seed_comments(second, 2500)
        # Timed in a fresh process: its memory is a worker's, not the seeder's.
        shutil.rmtree(WORK, ignore_errors=True)
        os.execv(sys.executable, [sys.executable, __file__, "rendered"])  # noqa: S606
    pages = timed_pages()
    client, timed = Client(), {}
    for name, path in pages.items():
        client.get(path)  # warm-up: templates, the Sites row, connections
        # Every stored drawing dropped, as after a deploy of new templates: this request
        # draws every comment, card, entry and item again and stores them.
        DigestComment.objects.update(html="")  # its key goes too
        Drawing.objects.all().delete()
        started = time.perf_counter()
        client.get(path)
        first_ms = (time.perf_counter() - started) * 1000
        settle(connection)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.get("X-Page-Cache", "") in ("", "bypass"), response.get("X-Page-Cache")
        query_count = len(queries)
        timings, cpu = [], []
        for _ in range(RENDERED_RUNS):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        timed[name] = {
            "bytes": len(response.content),
            "median_ms": round(statistics.median(timings), 2),
            "p90_ms": round(sorted(timings)[int(0.9 * len(timings)) - 1], 2),
            "cpu_ms": round(statistics.median(cpu), 2),
            "queries": query_count,
            "first_ms": round(first_ms, 2),
        }
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": timed, "rss_mb": rss_mb}))


def timed_pages():
    """{name: path} of the pages timed and counted one request at a time (Django set up,
    the second-newest digest given its 2,500 comments)."""
    from blog.models import Digest

    newest, second = Digest.objects.published().order_by("-published_at")[:2]
    return {
        "digest 250": newest.get_absolute_url(),
        "digest 2500": second.get_absolute_url(),
        "home": "/",
        "feed 20": "/feed/",
    }


def settle(connection):
    """VACUUM ANALYZE, as autovacuum would soon: rows just written in bulk (the seed, every
    stored drawing dropped) leave the planner without statistics and the tables with dead
    rows, and autovacuum starting mid-run takes a core of the two. What is timed is a
    database in its steady state, as between two comments on a live site."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def count_queries(path):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = {}
    for mode, (page_seconds, fragment_seconds) in MODES.items():
        with override_settings(
            PAGE_CACHE_SECONDS=page_seconds, FRAGMENT_CACHE_SECONDS=fragment_seconds
        ):
            client = Client()
            client.get(path)  # warm-up: the Sites row, the cache
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            # Counted now: every request empties the connection's query log.
            query_count = len(queries)
            assert response.status_code == 200
            # CPU time per request in this process: unlike req/s, other work on the
            # machine hardly changes it.
            started = time.process_time()
            for _ in range(CPU_RUNS):
                client.get(path)
            cpu_ms = (time.process_time() - started) / CPU_RUNS * 1000
            counts[mode] = {"queries": query_count, "cpu_ms": round(cpu_ms, 2)}
            counts[mode]["cache"] = response.get("X-Page-Cache", "")
    return counts


if __name__ == "__main__":
    main()
