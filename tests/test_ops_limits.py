"""Limits that hold against hostile clients, for real: gunicorn with the project's
gunicorn.conf.py in production mode, 2 workers, against PostgreSQL or a SQLite file.

Slow clients hold a thread each, never a worker; oversized bodies are refused before they
are read; comment flood limits are counted once for every worker.
"""

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    Gunicorn,
    base_env,
    collected_static,
    comment_form,
    manage,
    ops_media,
    ops_postgres,
    post_comment,
)


@pytest.fixture(scope="module")
def server(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    folder = tmp_path_factory.mktemp("gunicorn-limits")
    (folder / "tmp").mkdir()
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        WEB_CONCURRENCY=2,
        TMPDIR=folder / "tmp",  # where Django would spool uploaded files
    )
    gunicorn = Gunicorn(env, folder).start()
    gunicorn.tmp = folder / "tmp"
    yield gunicorn
    gunicorn.stop()


def rss_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        / 1024
    )


class SlowClient:
    """A connection that sends `head`, then one more chunk every `every` seconds."""

    def __init__(self, port, head, chunk, every=3.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(head)
        self.chunk, self.every, self.stopped = chunk, every, threading.Event()
        self.sent = 1
        self.thread = threading.Thread(target=self._dribble, daemon=True)
        self.thread.start()

    def _dribble(self):
        while not self.stopped.wait(self.every):
            try:
                self.sock.sendall(self.chunk)
                self.sent += 1
            except OSError:
                return

    def close(self):
        self.stopped.set()
        self.thread.join(5)
        with contextlib.suppress(OSError):
            self.sock.close()


def slow_headers(port):
    return SlowClient(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: 1\r\n")


def slow_body(port):
    head = (
        b"POST /comments/post/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nname="
    )
    return SlowClient(port, head, b"x")


def test_slow_clients_do_not_hold_the_workers(server):
    workers = server.worker_pids()
    assert len(workers) == 2
    slow = [slow_headers(server.port) for _ in range(4)] + [
        slow_body(server.port) for _ in range(2)
    ]
    try:
        time.sleep(4)  # every slow client has started its request and sent more since
        started = time.monotonic()
        status, _, body = server.get("/", timeout=30)
        seconds = time.monotonic() - started
        print(f"\n{len(slow)} slow clients on {len(workers)} workers: GET / in {seconds:.2f} s")
        assert status == 200 and "<html" in body
        assert seconds < 10  # answered while every slow client is still sending
        assert all(client.sent >= 2 and not client.stopped.is_set() for client in slow)
    finally:
        for client in slow:
            client.close()
    assert server.worker_pids() == workers  # none was killed
    print("worker RSS: " + ", ".join(f"{rss_mb(pid):.0f} MB" for pid in workers))


# Request size ------------------------------------------------------------------------

BOUNDARY = "ops-limits-boundary"


def folder_bytes(folder):
    total = 0
    for path in Path(folder).rglob("*"):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


class Peaks:
    """Samples the temp folder's size and the workers' RSS every 20 ms, keeping the peaks."""

    def __init__(self, server, folder):
        self.server, self.folder, self.stopped = server, folder, threading.Event()
        self.workers = server.worker_pids()
        self.rss_before = sum(rss_mb(pid) for pid in self.workers)
        self.tmp_bytes, self.rss = 0, self.rss_before
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self.stopped.wait(0.02):
            self.tmp_bytes = max(self.tmp_bytes, folder_bytes(self.folder))
            with contextlib.suppress(OSError, StopIteration):
                self.rss = max(self.rss, sum(rss_mb(pid) for pid in self.workers))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(5)


def send_large_body(port, size, chunked=False):
    """POST a multipart comment of `size` bytes with a file part, as fast as the server
    takes it, stopping when an answer comes; (status line, response, bytes sent, seconds)."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nHello\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    request = (
        "POST /comments/post/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    started, sent, answer = time.monotonic(), 0, b""
    chunk = b"\0" * 65536
    try:
        sock.sendall(
            request + (f"{len(head):x}\r\n".encode() + head + b"\r\n" if chunked else head)
        )
        sent = len(head)
        while sent < size and not select_readable(sock):
            piece = chunk[: size - sent]
            try:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            except OSError:
                break  # the server answered and closed: read what it said
            sent += len(piece)
        if chunked and sent >= size:
            sock.sendall(b"0\r\n\r\n")
        while data := sock.recv(65536):
            answer += data
            if b"\r\n\r\n" in answer and len(answer) > answer.index(b"\r\n\r\n") + 4:
                break
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    return (
        answer.split(b"\r\n", 1)[0].decode(),
        answer.decode("utf-8", "replace"),
        sent,
        (time.monotonic() - started),
    )


def select_readable(sock):
    import select

    return bool(select.select([sock], [], [], 0)[0])


@pytest.mark.parametrize("megabytes", [20, 100])
def test_a_huge_multipart_comment_is_refused_before_it_is_read(server, megabytes):
    size = megabytes * 1024 * 1024
    with Peaks(server, server.tmp) as peaks:
        status, answer, sent, seconds = send_large_body(server.port, size)
    print(
        f"\n{megabytes} MB comment: {status!r} after {seconds:.2f} s and {sent / 2**20:.1f} MB "
        f"sent; temp folder peak {peaks.tmp_bytes / 2**20:.2f} MB; workers' RSS "
        f"{peaks.rss_before:.0f} -> peak {peaks.rss:.0f} MB"
    )
    assert " 413 " in status
    assert "This request is too large" in answer and "at most 262,144" in answer
    assert sent < size  # answered before the body was all sent
    assert peaks.tmp_bytes < 1024 * 1024  # nothing spooled to disk
    assert peaks.rss - peaks.rss_before < 20  # nor held in memory
    assert server.get("/")[0] == 200


def test_a_chunked_body_without_length_is_never_read(server):
    with Peaks(server, server.tmp) as peaks:
        status, answer, sent, seconds = send_large_body(server.port, 100 * 2**20, chunked=True)
    print(
        f"\n100 MB chunked comment: {status!r} after {seconds:.2f} s, {sent / 2**20:.1f} MB "
        f"sent; temp folder peak {peaks.tmp_bytes / 2**20:.2f} MB"
    )
    assert status.split()[1] in {"400", "403"}  # no form reached the view: CSRF refuses
    assert peaks.tmp_bytes < 1024 * 1024
    assert peaks.rss - peaks.rss_before < 20


# Flood limits shared by the workers -----------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def one_machine(request, collected_static, tmp_path_factory):  # noqa: F811
    """The documented one-machine setup, no Redis: 2 workers, each with its own memory
    cache, on a SQLite file or a PostgreSQL database of this run."""
    folder = tmp_path_factory.mktemp(f"one-machine-{request.param}")
    media = folder / "media"
    media.mkdir()
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'db.sqlite3'}"
        env = base_env(DATABASE_URL=url, DJANGO_MEDIA_ROOT=media)
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("load_demo", env=env)
    else:
        url = request.getfixturevalue("ops_postgres")
        media = request.getfixturevalue("ops_media")
    env = base_env(
        DATABASE_URL=url,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=media,
        WEB_CONCURRENCY=2,
    )
    # Counters left by other tests' comments from this address start over.
    manage("shell", "--no-imports", "-c", CLEAR_COUNTERS, env=env)
    gunicorn = Gunicorn(env, folder).start()
    yield gunicorn
    gunicorn.stop()


CLEAR_COUNTERS = (
    "from django.conf import settings; from django.core.cache import caches; "
    "caches[settings.COUNTER_CACHE_ALIAS].clear()"
)


def answering_pid(server, request_id):
    """The worker that answered, from its JSON access line (the console mail backend
    prints confirmation mails on the same stdout)."""
    for _ in range(50):
        for text in server.stdout_lines():
            line = json.loads(text) if text.startswith("{") else {}
            if line.get("logger") == "gunicorn.access" and line.get("request_id") == request_id:
                return line["pid"]
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}")


def test_quick_second_comments_are_refused_whichever_worker_answers(one_machine):
    server = one_machine
    digest, fields, csrf_cookie = comment_form(server)
    statuses, pids = [], set()
    # Ten posts; more if every refusal so far came from one worker (up to 30).
    for number in range(30):
        fields.update(
            name="Quick Poster",
            email=f"quick{number}@example.com",  # a new address: the IP alone is counted
            comment=f"Quick comment number {number}.",
            url="",
        )
        status, headers, body = post_comment(server, digest, fields, csrf_cookie)
        statuses.append(status)
        if number:
            assert status == 429, (number, status, body[:300])
            assert "You are commenting too quickly" in body
            assert "your text is still in the form" in body and f"number {number}." in body
            pids.add(answering_pid(server, headers["X-Request-ID"]))
        if number >= 9 and len(pids) == 2:
            break
    print(f"\nposts: {statuses}; refusals answered by workers {sorted(pids)}")
    assert statuses[0] in (200, 302)
    assert len(pids) == 2, "every refusal came from one worker"
