"""Loopback mail servers for the mail tests: an SMTP sink that records what it accepted
(aiosmtpd) and can hold a client mid-mail, and a server that accepts and never answers."""

import asyncio
import contextlib
import logging
import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller

from tests.ops_helpers import free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command


class SmtpSink:
    """Accepts every mail on 127.0.0.1; `received` lists (recipient, subject, message id).

    `hold_after(n)`: once n mails are in, the next client waits at RCPT TO (before sending
    anything of that mail) until `release()`; `held` is set while one waits there.
    """

    def __init__(self):
        self.received = []
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
