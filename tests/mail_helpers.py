"""Loopback mail servers for the mail tests: an SMTP sink that records what it accepted
(aiosmtpd) and can hold a client mid-mail, and a server that accepts and never answers;
worker processes (`manage.py db_worker`) sending to the sink from a database of their own."""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes

from aiosmtpd.controller import Controller

from tests.ops_helpers import BASE_DIR, base_env, free_port, manage, migrated_postgres

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command


class SmtpSink:
    """Accepts every mail on 127.0.0.1; `received` lists (recipient, subject, message id),
    `messages` the (recipient, parsed mail) pairs.

    `hold_after(n)`: once n mails are in, the next client waits at RCPT TO (before sending
    anything of that mail) until `release()`; `held` is set while one waits there.
    """

    def __init__(self):
        self.received = []
        self.messages = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self._hold_at = None
        self._release = None
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.port = self.controller.port

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.release()
        self.controller.stop()

    def hold_after(self, count):
        self._hold_at = count

    def release(self):
        self._hold_at = None
        if self._release is not None:
            self.controller.loop.call_soon_threadsafe(self._release.set)

    def mail_to(self, address, subject_contains=""):
        """The newest mail to `address` whose subject contains the text, or None."""
        with self.lock:
            found = [m for to, m in self.messages if to == address]
        found = [m for m in found if subject_contains in (m["Subject"] or "")]
        return found[-1] if found else None

    def recipients(self):
        with self.lock:
            return [to for to, _, _ in self.received]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self._hold_at is not None and len(self.received) >= self._hold_at:
            self._release = asyncio.Event()
            self.held.set()
            await self._release.wait()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content)
        with self.lock:
            for to in envelope.rcpt_tos:
                self.received.append((to, mail["Subject"], mail["Message-ID"]))
                self.messages.append((to, mail))
        return "250 Message accepted for delivery"


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hanging mail server);
    `connections` counts the clients that reached it."""

    def __init__(self):
        self.connections = 0
        self.sockets = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.sockets.append(client)

    def stop(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for client in self.sockets:
            client.close()


@contextlib.contextmanager
def worker_database(tmp_path, postgres=False):
    """The suite's kind of database, of a test's own: a SQLite file, or PostgreSQL (also
    when `postgres`); yields its URL, migrated."""
    if postgres or os.environ.get("DATABASE_URL", "").startswith("postgres"):
        with migrated_postgres("digestblog_mail") as url:
            yield url
        return
    url = f"sqlite:///{tmp_path / 'mail.sqlite3'}"
    manage("migrate", "--noinput", "-v", "0", env=base_env(DATABASE_URL=url))
    yield url


@contextlib.contextmanager
def running_sink():
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


def worker_env(database_url, sink, **extra):
    """A worker's environment: that database, mail to the sink, quick retries and claims."""
    return base_env(
        DATABASE_URL=database_url,
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=sink.port,
        DJANGO_EMAIL_USE_TLS="0",
        MAIL_RETRY_SECONDS="1",
        MAIL_CLAIM_SECONDS="2",
        **extra,
    )


class Worker:
    """`manage.py db_worker` as a process of its own, its output in a file."""

    def __init__(self, env, folder, name):
        self.log = folder / f"{name}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
                + ["--no-startup-delay", "--no-reload", "--worker-id", name],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self, signum=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(signum)
            self.process.wait(30)


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
