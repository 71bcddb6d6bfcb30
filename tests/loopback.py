"""Loopback HTTP servers for tests of the server's own requests, and a record of connects.

The record comes from Python's audit hook for ``socket.connect``: every connection this
process attempts, whatever library makes it, so a test can show that a refused address
was never even tried.
"""

import socket
import sys
import threading
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

_recorders = []


def _audit(event, args):
    if _recorders and event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple):
            for seen in _recorders:
                seen.append((address[0], address[1]))


# Once, at import: an audit hook stays for the life of the process.
sys.addaudithook(_audit)


@contextmanager
def recording():
    """A list that fills with the (host, port) of every connect made inside the block."""
    seen = []
    _recorders.append(seen)
    try:
        yield seen
    finally:
        _recorders.remove(seen)


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextmanager
def serve(handler, host="127.0.0.1", wrap=None):
    """handler served on a free port of host (127.0.0.1 or ::1) in a thread; the server.

    wrap, if given, turns the listening socket into another (e.g. TLS) before serving.
    """
    server = (_IPv6Server if ":" in host else ThreadingHTTPServer)((host, 0), handler)
    server.paths = []  # for handlers to note what they were asked for
    if wrap:
        server.socket = wrap(server.socket)
    # A short poll, so that shutdown() at the end of each test is quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
