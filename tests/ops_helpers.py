"""Real servers for the operations tests: gunicorn processes in production mode, a
migrated PostgreSQL database of their own, and a TCP proxy that can cut the database off.

Everything listens on 127.0.0.1 free ports and stops when its fixture ends.
"""

import contextlib
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "ops-tests-" + "k3y-0f-f1fty-ch4rs-not-for-production-" * 2
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, method="GET", headers=None, body=None, timeout=10):
    """One HTTP request, no redirects followed; returns (status, headers, body text)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        return response.status, response.headers, data
    finally:
        conn.close()


def base_env(**overrides):
    """The environment of a production deployment on this machine (plain HTTP)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "GUNICORN_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_PRODUCTION": "1",
            "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SITE_DOMAIN": "127.0.0.1",
            "BLOG_FETCH_VIDEO_POSTERS": "0",
            "WEBMENTION_SEND": "0",  # digests link to the internet
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(*args, env, timeout=180):
    """Run manage.py in a subprocess; raise with its output if it fails."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


class Gunicorn:
    """`gunicorn config.wsgi` (gunicorn.conf.py) on a free loopback port.

    stdout and stderr go to files in `folder`; `stdout_lines()` reads what was printed.
    """

    def __init__(self, env, folder, name="gunicorn", args=()):
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout_path = Path(folder) / f"{name}.stdout"
        self.stderr_path = Path(folder) / f"{name}.stderr"
        self.args = list(args)
        self.process = None

    def start(self, timeout=30):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "config.wsgi"]
                + ["--bind", f"127.0.0.1:{self.port}", *self.args],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start:\n{self.output()}")
            try:
                if fetch(self.url + "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.output()}")

    def get(self, path, **kwargs):
        return fetch(self.url + path, **kwargs)

    def signal(self, signum):
        self.process.send_signal(signum)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def output(self):
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(
            errors="replace"
        )

    def stdout_lines(self):
        return self.stdout_path.read_text(errors="replace").splitlines()

    def json_lines(self):
        """stdout parsed as JSON lines (every line must be one)."""
        return [json.loads(line) for line in self.stdout_lines() if line.strip()]

    def worker_pids(self):
        """The master's current worker processes (children), from /proc."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)


class TcpProxy:
    """Forwards a loopback port to `target`; `stop()` cuts every connection and refuses
    new ones, `start()` forwards again on the same port, `hang()` accepts connections
    into the backlog and never answers (an unreachable host), `black_hole()` keeps every
    connection open but forwards nothing (a silent peer). `accepted` counts connections."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.listener = None
        self.connections = set()
        self.lock = threading.Lock()
        self.silent = threading.Event()
        self.accepted = 0

    def start(self):
        self._listen()
        self.silent.clear()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def black_hole(self):
        """From now on nothing is forwarded either way, and new connections are accepted
        and left unanswered; the sockets stay open (the kernel still acknowledges)."""
        self.silent.set()

    def hang(self):
        """Listen but never accept: clients connect, then wait for an answer forever."""
        self._listen()

    def stop(self):
        if self.listener:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.connections.clear()

    def _listen(self):
        self.stop()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            with self.lock:
                self.accepted += 1
                if self.silent.is_set():
                    self.connections.add(client)
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    return
                self.connections.update({client, upstream})
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                if not self.silent.is_set():
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def postgres_admin_url():
    """The machine's PostgreSQL, as the suite's DATABASE_URL names it or at its default."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0] + "/postgres"
    return os.environ.get("OPS_POSTGRES_URL", DEFAULT_POSTGRES)


def postgres_reachable(url):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5432), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """collectstatic into a folder of this run: hashed, compressed names and a manifest."""
    root = tmp_path_factory.mktemp("staticfiles")
    manage("collectstatic", "--noinput", "-v", "0", env=base_env(DJANGO_STATIC_ROOT=root))
    assert (root / "staticfiles.json").exists()
    return root


@pytest.fixture(scope="session")
def ops_media(tmp_path_factory):
    """The media folder of `ops_postgres`'s demo digest: give it to gunicorn as
    DJANGO_MEDIA_ROOT (its images are read when pages render)."""
    return tmp_path_factory.mktemp("media")


@contextlib.contextmanager
def migrated_postgres(prefix, **env):
    """A new PostgreSQL database on the machine's server, migrated; dropped afterwards.
    Yields its URL; skips the test (fails it in CI) when PostgreSQL is not reachable."""
    import psycopg

    admin_url = postgres_admin_url()
    if not postgres_reachable(admin_url):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {admin_url}: .ci/run starts it")
        pytest.skip(f"these tests need the machine's PostgreSQL ({admin_url})")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        manage("migrate", "--noinput", "-v", "0", env=base_env(DATABASE_URL=url, **env))
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def ops_postgres(ops_media):
    """A PostgreSQL database of this test run, migrated, with the demo digest (images in
    `ops_media`); dropped at the end. Returns its URL (the machine's PostgreSQL)."""
    with migrated_postgres("digestblog_ops", DJANGO_MEDIA_ROOT=ops_media) as url:
        manage("load_demo", env=base_env(DATABASE_URL=url, DJANGO_MEDIA_ROOT=ops_media))
        yield url


def through_proxy(url, proxy):
    """The same database URL, reached through the proxy's port."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    return parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}").geturl()


def postgres_target(url):
    parts = urlsplit(url)
    return parts.hostname, parts.port or 5432


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


def comment_form(server):
    """The first digest on the home page: (its path, its comment form's fields, the CSRF
    cookie the page set)."""
    _, _, home = server.get("/")
    digest = re.search(r'href="(/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home).group(1)
    _, _, page = server.get(digest)
    fields = form_fields(page)
    # A page from the cache carries no token: the browser asks for one (static/blog/site.js).
    _, headers, body = server.get("/csrf-token/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    fields["csrfmiddlewaretoken"] = json.loads(body)["token"]
    return digest, fields, csrf_cookie


def post_comment(server, digest, fields, csrf_cookie):
    """POST the comment form as the browser that loaded `digest`; (status, headers, body)."""
    return server.get(
        "/comments/post/",
        method="POST",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": server.url + digest,
        },
    )
