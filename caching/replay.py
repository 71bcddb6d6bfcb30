"""Hits answered before Django: a stored page sent again as it was last sent.

A hit through Django (caching.middleware) still builds a request, resolves the URL and
walks the whole middleware stack to add the same headers to the same bytes: about a
third of what a hit cost, more than the page cache's own work. The WSGI application
(config/wsgi.py) asks serve() first. It answers only a request that carries nothing of a
reader's own, for an address whose page it has already seen served as a hit through
Django in this process, and sends exactly what that hit sent: the body of the near
cache's entry (caching.store.NEAR) and the headers every middleware added to it. Only
Cache-Control (the seconds left, caching.middleware.edge_cache_control) and the request
id (the caller's) are made again.

The same checks as every hit: the generation of the page and of each scope it shows is
read from the shared cache on every request (caching.generation), so a change made on
any node ends these hits at once; the entry's own end too. With a cache local to each
process (no REDIS_URL) there is no near cache and nothing is answered here.

Anything else goes to Django, which decides as it always has: another method than GET,
a conditional request (If-None-Match, If-Modified-Since), a personal cookie (the cookies
of caching.middleware.is_personal, the same rule docs/deploy.md gives nginx), an
Authorization header, or an Accept asking for another representation.
"""

import sys
import threading
from collections import OrderedDict

from django.http import parse_cookie

from .generation import current, enabled, is_local, page_cache
from .middleware import (
    PERSONAL_COOKIES,
    SERVED_HIT,
    asks_for_another_representation,
    edge_cache_control,
)
from .store import NEAR

# What else a page's address or its headers may depend on, besides its path and query.
ADDRESS = (
    "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT", "SCRIPT_NAME", "PATH_INFO",
    "QUERY_STRING",
)  # fmt: skip
# Headers of one request: made again for each (the caller adds the request id).
PER_REQUEST = frozenset({"cache-control", "x-request-id", "date", "server", "set-cookie"})
# Requests that Django answers: their headers can change the answer.
TO_DJANGO = (
    "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE", "HTTP_AUTHORIZATION",
)  # fmt: skip


class Replays:
    """The addresses this process last served as hits through Django, with the cache key,
    the scopes, the entry's ETag and the headers that hit was sent with. Bounded: more
    addresses than the near cache holds pages would only point at what it has let go."""

    def __init__(self, limit=1024):
        self.limit = limit
        self.by_address, self.lock = OrderedDict(), threading.Lock()

    def find(self, address):
        with self.lock:
            found = self.by_address.get(address)
            if found is not None:
                self.by_address.move_to_end(address)
            return found

    def keep(self, address, found):
        with self.lock:
            self.by_address[address] = found
            self.by_address.move_to_end(address)
            while len(self.by_address) > self.limit:
                self.by_address.popitem(last=False)

    def clear(self):
        with self.lock:
            self.by_address.clear()


REPLAYS = Replays()


def place(environ):
    """Where an anonymous request (is_anonymous()) is going: the key of its page here; None
    for any other. Taken before Django sees the request: Django changes its environ."""
    if not is_anonymous(environ):
        return None
    return tuple(environ.get(name) for name in ADDRESS)


def is_anonymous(environ):
    """Nothing in the request that may make its page personal, or its answer different."""
    if environ.get("REQUEST_METHOD") != "GET" or any(name in environ for name in TO_DJANGO):
        return False
    if asks_for_another_representation(environ.get("HTTP_ACCEPT", "")):
        return False
    cookie = environ.get("HTTP_COOKIE")
    if cookie:
        cookies = parse_cookie(cookie)
        return not any(cookies.get(name) for name in PERSONAL_COOKIES)
    return True


def serve(where):
    """(headers, body) of the page to send for a request to place() `where`, or None:
    ask Django."""
    found = REPLAYS.find(where)
    if found is None or not enabled():
        return None
    key, scopes, etag, headers = found
    cache = page_cache()
    try:
        generation = current(cache, scopes)
    except Exception:
        return None  # Django says what is wrong, and logs it
    entry = None if generation is None else NEAR.get(key, generation)
    if entry is None or entry["etag"] != etag:
        return None
    return [*headers, ("Cache-Control", edge_cache_control(entry))], entry["body"]


def remember(where, environ, status, headers):
    """After Django answered a request to place() `where`: keep what a hit it served was
    sent with, for serve()."""
    served = environ.get(SERVED_HIT)
    if served is None or not status.startswith("200 "):
        return
    key, scopes, entry = served
    if is_local(page_cache()) or any(name.lower() == "set-cookie" for name, _ in headers):
        return
    # Interned: most values (the policy, the frame options) are the same on every page.
    kept = [
        (sys.intern(name), sys.intern(value))
        for name, value in headers
        if name.lower() not in PER_REQUEST
    ]
    REPLAYS.keep(where, (key, tuple(scopes), entry["etag"], kept))
