"""Failures, for real: gunicorn in production mode against the machine's PostgreSQL
reached through a TCP proxy the test cuts, a Redis that isn't there, a mail server
that is down."""

import json
import re
import subprocess
import sys
import time

import psycopg
import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    BASE_DIR,
    SECRET_KEY,
    Gunicorn,
    TcpProxy,
    base_env,
    collected_static,
    comment_form,
    free_port,
    manage,
    ops_media,
    ops_postgres,
    post_comment,
    postgres_target,
    through_proxy,
)

# What a 503 page must never show.
LEAKS = ("Traceback", "OperationalError", "psycopg", "DATABASES", "5432", "postgres", SECRET_KEY)


@pytest.fixture(scope="module")
def db_proxy(ops_postgres):  # noqa: F811
    proxy = TcpProxy(*postgres_target(ops_postgres)).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def server(collected_static, ops_media, ops_postgres, db_proxy, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn-db")
    env = base_env(
        DATABASE_URL=through_proxy(ops_postgres, db_proxy),
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        # Every request needs the database: no page comes from the cache.
        DJANGO_PAGE_CACHE_SECONDS=0,
        WEB_CONCURRENCY=2,
    )
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


def timed_get(server, path="/", timeout=15):
    started = time.monotonic()
    status, headers, body = server.get(path, timeout=timeout)
    return status, headers, body, time.monotonic() - started


def wait_for(server, status, path="/", limit=15):
    """Seconds until `path` answers `status` (polling every 0.1 s)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if server.get(path, timeout=10)[0] == status:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{path} did not answer {status} within {limit} s")


def assert_static_503(status, headers, body):
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "Back in a moment" in body
    for leak in LEAKS:
        assert leak not in body


def test_database_down_gives_a_static_503_then_the_site_recovers_by_itself(server, db_proxy):
    for _ in range(6):  # every worker holds a connection
        assert server.get("/")[0] == 200
    workers = server.worker_pids()

    db_proxy.stop()
    request_ids = []
    for _ in range(6):
        status, headers, body, seconds = timed_get(server)
        assert_static_503(status, headers, body)
        assert seconds < 2, f"503 after {seconds:.2f} s"
        request_ids.append(headers["X-Request-ID"])

    status, _, body = server.get("/readyz")
    report = json.loads(body)
    assert status == 503
    assert report["status"] == "unavailable"
    assert report["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "required": True,
        "ms": report["checks"]["database"]["ms"],
    }
    assert report["checks"]["cache"]["ok"] and report["checks"]["storage"]["ok"]
    assert server.get("/healthz")[0] == 200  # the process itself is fine

    db_proxy.start()
    recovery = wait_for(server, 200)
    assert recovery < 2, f"recovered after {recovery:.2f} s"
    assert all(server.get("/")[0] == 200 for _ in range(6))
    assert server.get("/readyz")[0] == 200
    assert server.worker_pids() == workers  # nothing was restarted

    # One warning per failed request, as JSON, with its request id and no traceback.
    warnings = {
        line["request_id"]: line
        for line in server.json_lines()
        if line["logger"] == "config.middleware"
    }
    for request_id in request_ids:
        assert warnings[request_id]["level"] == "WARNING"
        assert "exception" not in warnings[request_id]


def test_unreachable_database_times_out_into_a_503(server, db_proxy):
    assert server.get("/")[0] == 200
    db_proxy.hang()  # connections are accepted by the kernel, never answered
    try:
        status, headers, body, seconds = timed_get(server)
        assert_static_503(status, headers, body)
        # libpq's connect_timeout=2 (its minimum), plus the page.
        assert seconds < 3, f"503 after {seconds:.2f} s"
    finally:
        db_proxy.start()
    assert wait_for(server, 200) < 2


def test_silent_database_gives_the_503_before_gunicorn_gives_up(server, db_proxy):
    for _ in range(6):  # every worker holds an open connection
        assert server.get("/")[0] == 200
    workers = server.worker_pids()
    db_proxy.black_hole()  # open sockets, acknowledged, never answered
    try:
        timings = []
        for _ in range(4):
            status, headers, body, seconds = timed_get(server, timeout=45)
            assert_static_503(status, headers, body)
            timings.append(round(seconds, 2))
        print(f"\nsilent database: 503 after {timings} s (kept connections first)")
    finally:
        db_proxy.start()
    # Answered at all, and no worker was killed by gunicorn's 30 s timeout.
    assert max(timings) < 30
    assert server.worker_pids() == workers
    assert wait_for(server, 200) < 5


@pytest.fixture(scope="module")
def cached_server(collected_static, ops_media, ops_postgres, db_proxy, tmp_path_factory):  # noqa: F811
    """The documented one-machine setup: the page cache in each process, its generation
    a database row read on every request."""
    env = base_env(
        DATABASE_URL=through_proxy(ops_postgres, db_proxy),
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, tmp_path_factory.mktemp("gunicorn-cached")).start()
    yield gunicorn
    gunicorn.stop()


def test_a_request_to_a_silent_database_tries_to_connect_once(cached_server, db_proxy):
    assert cached_server.get("/")[0] == 200
    db_proxy.black_hole()
    try:
        for _ in range(3):
            before = db_proxy.accepted
            status, headers, body, seconds = timed_get(cached_server, timeout=45)
            assert_static_503(status, headers, body)
            # The page cache's generation row fails: the view does not wait for it again.
            assert db_proxy.accepted - before == 1
            print(f"\nsilent database, page cache on: 503 after {seconds:.2f} s")
    finally:
        db_proxy.start()
    assert wait_for(cached_server, 200) < 5


def db_shell(env, code):
    """Run Python in `manage.py shell` (production settings of `env`); its output."""
    return manage("shell", "--no-imports", "-c", code, env=env).stdout


def test_slow_statements_and_lock_waits_are_cancelled_by_the_server(ops_postgres):  # noqa: F811
    env = base_env(DATABASE_URL=ops_postgres, DJANGO_DB_STATEMENT_TIMEOUT="1.5")
    out = db_shell(
        env,
        "from django.db import connection, OperationalError\n"
        "c = connection.cursor()\n"
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
        "c.execute('SHOW lock_timeout'); print(c.fetchone()[0])\n"
        "try:\n    c.execute('SELECT pg_sleep(4)')\n"
        "except OperationalError as exc:\n    print(type(exc.__cause__).__name__)\n",
    )
    assert out.split() == ["1500ms", "3s", "QueryCanceled"]


def test_a_connection_that_falls_silent_mid_request_is_given_up(ops_postgres):  # noqa: F811
    """A query sent on a connection the server stopped answering: the app's own deadline
    (statement timeout + 1 s), since the server never sees the query to cancel it."""
    proxy = TcpProxy(*postgres_target(ops_postgres)).start()
    env = base_env(DATABASE_URL=through_proxy(ops_postgres, proxy), DJANGO_DB_STATEMENT_TIMEOUT=1)
    code = (
        "import sys, time\n"
        "from django.db import connection, OperationalError\n"
        "c = connection.cursor(); c.execute('SELECT 1')\n"
        "print('connected', flush=True); sys.stdin.readline()\n"
        "started = time.monotonic()\n"
        "try:\n    c.execute('SELECT 2')\n"
        "except OperationalError as exc:\n"
        "    print(exc, round(time.monotonic() - started, 2), flush=True)\n"
    )
    shell = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert shell.stdout.readline().strip() == "connected"
        proxy.black_hole()
        shell.stdin.write("\n")
        shell.stdin.flush()
        out = shell.stdout.readline().strip()
        shell.wait(15)
    finally:
        shell.kill()
        proxy.stop()
    message, seconds = out.rsplit(" ", 1)
    print(f"\nsilent mid-request: given up after {seconds} s")
    assert message == "the database did not answer within 2 s"


@pytest.fixture(scope="module")
def no_redis_server(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn-no-redis")
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


def test_redis_down_the_site_serves_uncached(no_redis_server):
    status, _, home, seconds = timed_get(no_redis_server)
    assert status == 200
    assert seconds < 2
    digest = re.search(r'href="(/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home).group(1)
    for _ in range(3):
        status, _, page, seconds = timed_get(no_redis_server, digest)
        assert status == 200
        assert seconds < 2
    assert "Leave a reply" in page

    status, _, body = no_redis_server.get("/readyz")
    report = json.loads(body)
    # Every node shares the one Redis: a node that can still serve stays in.
    assert status == 200
    assert report["status"] == "degraded"
    assert report["checks"]["cache"]["ok"] is False
    assert report["checks"]["database"]["ok"] is True

    warnings = [
        line
        for line in no_redis_server.json_lines()
        if line["logger"] == "config.cache" and line["level"] == "WARNING"
    ]
    assert len(warnings) == 1  # once per worker and minute, not once per call
    assert "serving uncached" in warnings[0]["message"]


def test_redis_hanging_costs_one_timeout_not_one_per_call(
    collected_static,  # noqa: F811
    ops_media,  # noqa: F811
    ops_postgres,  # noqa: F811
    tmp_path,
):
    hung = TcpProxy("127.0.0.1", 9)
    hung.hang()
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        REDIS_URL=f"redis://127.0.0.1:{hung.port}/0",
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, tmp_path).start()
    try:
        timings = [timed_get(gunicorn) for _ in range(4)]
    finally:
        gunicorn.stop()
        hung.stop()
    assert {status for status, *_ in timings} == {200}
    first, *rest = (seconds for *_, seconds in timings)
    assert first < 2  # one socket timeout (0.5 s), then the breaker is open
    assert all(seconds < 0.5 for seconds in rest), timings


@pytest.fixture(scope="module")
def no_mail_server(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn-no-mail")
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=free_port(),  # nothing listens there
        DJANGO_EMAIL_USE_TLS=0,
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


def test_mail_server_down_loses_no_comment(no_mail_server, ops_postgres):  # noqa: F811
    digest, fields, csrf_cookie = comment_form(no_mail_server)
    text = "Posted while the mail server was down, and kept."
    fields.update(name="Mail Outage", email="outage@example.com", comment=text, url="")
    status, _, _ = post_comment(no_mail_server, digest, fields, csrf_cookie)
    assert status in (200, 302), status
    with psycopg.connect(ops_postgres) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM django_comments WHERE comment = %s", [text]
        ).fetchone()[0]
    assert stored == 1
    # The web process queued the mail and never tried the server; a worker does, and keeps
    # the mail for its next attempt.
    assert not any("mail server" in line["message"] for line in no_mail_server.json_lines())
    worker = manage("db_worker", "--batch", "--no-startup-delay", env=no_mail_server.env)
    assert "No connection to the mail server for 1 mails" in worker.stdout + worker.stderr
    with psycopg.connect(ops_postgres) as conn:
        delivery = conn.execute(
            'SELECT status, attempts, last_error FROM mailer_delivery WHERE "to" = %s',
            ["outage@example.com"],
        ).fetchone()
    assert delivery[:2] == ("pending", 1) and "ConnectionRefusedError" in delivery[2]
