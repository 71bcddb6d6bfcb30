"""Entries (whole pages and fragments) in the cache shared by every node: read with the
generation they must match, kept at most as long as they may live.

Time: an entry lives the seconds it is given at most, and never past the publication
time of the next scheduled digest, so scheduled digests appear on time.
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from blog.models import Digest

from .generation import current, is_local


def lookup(cache, key, scopes=()):
    """(generation, stored entry or None) for an entry stored by store(); the generation
    is the site's and that of each scope the entry shows (caching.generation)."""
    generation = current(cache, scopes)
    if is_local(cache):
        return generation, cache.get(key)
    if generation is None:
        return None, None  # the cache is down (a fail-soft backend answers nothing)
    entry = NEAR.get(key, generation)
    if entry is None:
        entry = cache.get(key)
        if entry is not None and entry["generation"] == generation:
            NEAR.put(key, entry)
    return generation, entry


class NearCache:
    """The entries this process used last, kept in its memory: a hit then costs one small
    read from the shared cache (the generation, which every hit checks) instead of the
    whole page. Bounded by PAGE_CACHE_NEAR_BYTES (default 8 MB) per process."""

    def __init__(self):
        self.entries, self.size, self.lock = OrderedDict(), 0, threading.Lock()

    def get(self, key, generation):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry["generation"] != generation or entry["expires"] <= time.time():
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        limit = getattr(settings, "PAGE_CACHE_NEAR_BYTES", 8 * 1024 * 1024)
        with self.lock:
            self._drop(key)
            if entry["bytes"] > limit:
                return
            self.entries[key] = entry
            self.size += entry["bytes"]
            while self.size > limit:
                self._drop(next(iter(self.entries)))

    def _drop(self, key):
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= entry["bytes"]


NEAR = NearCache()


def store(cache, key, entry, seconds):
    """Keep an entry in the shared cache (and this process's near cache)."""
    cache.set(key, entry, timeout=int(seconds) + 1)
    if not is_local(cache):
        NEAR.put(key, entry)


def lifetime(seconds):
    """How long an entry rendered now may live: `seconds` at most, and never past the
    moment the next scheduled digest goes public. 0: don't store it."""
    until_publication = _seconds_to_next_publication()
    if until_publication is not None:
        seconds = min(seconds, until_publication)
    return seconds if seconds >= 1 else 0


def _seconds_to_next_publication():
    """Seconds until the next scheduled digest goes public (None: none scheduled)."""
    now = timezone.now()
    nxt = Digest.objects.scheduled().aggregate(at=Min("published_at"))["at"]
    return None if nxt is None else (nxt - now).total_seconds()
