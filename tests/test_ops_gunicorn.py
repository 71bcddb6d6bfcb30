"""gunicorn in production mode, for real: workers, hashed and compressed static files,
JSON logs with request ids, graceful reload on HUP, health and readiness, HTTPS behind
a proxy, a configurable admin path."""

import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    BASE_DIR,
    Gunicorn,
    base_env,
    collected_static,
    ops_media,
    ops_postgres,
)

ADMIN_PATH = "backstage-4c1f/"


@pytest.fixture(scope="module")
def server(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn")
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        DJANGO_ADMIN_PATH=ADMIN_PATH,
        WEB_CONCURRENCY=3,
    )
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


def test_workers_come_from_web_concurrency(server):
    assert len(server.worker_pids()) == 3


def test_static_files_have_hashed_names_and_are_served_compressed(server):
    status, _, html = server.get("/")
    assert status == 200
    css = re.search(r'href="(/static/blog/site\.[0-9a-f]{12}\.css)"', html).group(1)
    assert re.search(r'src="/static/blog/site\.[0-9a-f]{12}\.js"', html)

    status, headers, _ = server.get(css, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    # The admin's files come from collectstatic too.
    status, headers, _ = server.get(f"/{ADMIN_PATH}login/")
    assert status == 200


def test_logs_are_json_lines_with_request_id_method_path_status_and_duration(server):
    status, headers, _ = server.get("/?utm=x", headers={"X-Request-ID": "edge-7f3a.42"})
    assert status == 200
    assert headers["X-Request-ID"] == "edge-7f3a.42"
    _, headers, _ = server.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    generated = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = server.json_lines()  # every line of stdout parses as JSON
        access = {
            line.get("request_id"): line for line in lines if line["logger"] == "gunicorn.access"
        }
        if "edge-7f3a.42" in access and generated in access:
            break
        time.sleep(0.1)
    home = access["edge-7f3a.42"]
    assert (home["method"], home["path"], home["query"], home["status"]) == (
        "GET",
        "/",
        "utm=x",
        200,
    )
    assert isinstance(home["duration_ms"], float) and home["duration_ms"] > 0
    assert access[generated]["path"] == "/healthz"
    # gunicorn's own messages are JSON too.
    assert any(line["message"].startswith("Booting worker") for line in lines)


def test_head_requests_are_answered_without_gunicorn_warnings(server):
    status, headers, body = server.get("/", method="HEAD")
    assert status == 200
    assert body == ""
    assert int(headers["Content-Length"]) > 1000
    time.sleep(0.2)
    assert "no-body response" not in server.output()


def test_health_needs_no_host_name_and_readiness_reports_each_part(server):
    status, _, body = server.get("/healthz", headers={"Host": "10.1.2.3:8000"})
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    status, _, body = server.get("/readyz", headers={"Host": "10.1.2.3:8000"})
    report = json.loads(body)
    assert status == 200
    assert report["status"] == "ok"
    assert {name: check["ok"] for name, check in report["checks"].items()} == {
        "database": True,
        "cache": True,
        "storage": True,
        "tasks": True,  # nothing waiting for the worker
    }
    # Any other page still checks the host name.
    assert server.get("/", headers={"Host": "10.1.2.3:8000"})[0] == 400


def test_admin_lives_at_the_configured_path_only(server):
    assert server.get("/admin/")[0] == 404
    status, headers, _ = server.get(f"/{ADMIN_PATH}")
    assert status == 302
    assert headers["Location"].startswith(f"/{ADMIN_PATH}login/")
    _, _, robots = server.get("/robots.txt")
    assert ADMIN_PATH.strip("/") not in robots
    assert "Disallow: /search/" in robots


def listening_sockets(port):
    """Sockets listening on the port, as `ss -ltn` lists them (/proc/net/tcp)."""
    rows = [row.split() for row in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return [row for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "0A"]


def test_each_worker_listens_for_itself_and_kept_alive_connections_reach_them_all(server):
    # One socket per worker: the kernel spreads new connections over them, so clients that
    # keep their connections (nginx's pool) cannot all end up on one worker.
    assert len(listening_sockets(server.port)) == 3
    connections = [
        http.client.HTTPConnection("127.0.0.1", server.port, timeout=10) for _ in range(30)
    ]
    for connection in connections:
        connection.connect()
    for number, connection in enumerate(connections):
        connection.request("GET", f"/robots.txt?spread={number}")
        assert connection.getresponse().read()
    for connection in connections:
        connection.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answered = {
            line["query"]: line["pid"]
            for line in server.json_lines()
            if line["logger"] == "gunicorn.access" and line.get("query", "").startswith("spread=")
        }
        if len(answered) == 30:
            break
        time.sleep(0.1)
    assert len(answered) == 30
    assert set(answered.values()) == set(server.worker_pids())


def test_a_second_server_on_the_same_port_refuses_to_start(server):
    # Sockets that share their port would otherwise let it take half the connections.
    second = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{server.port}"],
        cwd=BASE_DIR, env=server.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode != 0
    assert f"127.0.0.1:{server.port} is in use by another process" in second.stdout + second.stderr
    assert server.get("/robots.txt")[0] == 200
    assert len(listening_sockets(server.port)) == 3


def test_hup_reloads_workers_without_dropping_a_request(server):
    before = server.worker_pids()
    results, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            try:
                results.append(server.get("/", timeout=10)[0])
            except OSError as exc:
                results.append(repr(exc))

    # Several clients, each opening a connection per request: a stopping worker must not
    # leave any of them queued on a socket it will close.
    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        server.signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after = server.worker_pids()
            if len(after) == 3 and not set(after) & set(before):
                break
            time.sleep(0.2)
        # Requests answered across the reload and after it: however busy the machine is.
        settled = len(results) + 5
        while len(results) < max(settled, 11) and time.monotonic() < deadline + 30:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(after) == 3 and not set(after) & set(before), (before, after)
    assert server.process.poll() is None  # the master kept running
    assert len(listening_sockets(server.port)) == 3  # the old workers' sockets are gone
    assert len(results) > 10
    assert set(results) == {200}, [r for r in results if r != 200][:5]


@pytest.fixture(scope="module")
def https_server(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn-https")
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        DJANGO_HTTPS=1,
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


def test_behind_the_tls_proxy_https_is_enforced_and_cookies_are_secure(https_server):
    # Plain HTTP reaching the app is sent to https://; probes are not.
    status, headers, _ = https_server.get("/")
    assert status == 301
    assert headers["Location"] == f"https://127.0.0.1:{https_server.port}/"
    assert https_server.get("/healthz")[0] == 200

    # What nginx forwards after TLS: scheme and client address.
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    status, headers, _ = https_server.get("/", headers=proxied)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]
    status, headers, _ = https_server.get("/admin/login/", headers=proxied)
    assert status == 200
    cookies = headers.get_all("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)

    time.sleep(0.3)
    access = [line for line in https_server.json_lines() if line["logger"] == "gunicorn.access"]
    assert any(line["remote_addr"] == "203.0.113.7" for line in access)
