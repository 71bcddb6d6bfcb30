"""Failures, for real: gunicorn in production mode against the machine's PostgreSQL
reached through a TCP proxy the test cuts, a Redis that isn't there, a mail server
that is down."""

import html
import json
import re
import time
from urllib.parse import urlencode

import psycopg
import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    SECRET_KEY,
    Gunicorn,
    TcpProxy,
    base_env,
    collected_static,
    free_port,
    manage,
    ops_media,
    ops_postgres,
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


def timed_get(server, path="/"):
    started = time.monotonic()
    status, headers, body = server.get(path, timeout=15)
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


def form_fields(page):
    """The comment form's inputs, as a browser would send them."""
    form = re.search(r'<form class="comment-form" action="/comments/post/".*?</form>', page, re.S)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


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
    _, _, home = no_mail_server.get("/")
    digest = re.search(r'href="(/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home).group(1)
    status, headers, page = no_mail_server.get(digest)
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    fields = form_fields(page)
    text = "Posted while the mail server was down, and kept."
    fields.update(name="Mail Outage", email="outage@example.com", comment=text, url="")
    status, headers, _ = no_mail_server.get(
        "/comments/post/",
        method="POST",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": no_mail_server.url + digest,
        },
    )
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
