"""The page generation: every stored page and fragment carries the one it was rendered
under, and an entry of another generation is a miss. content_changed() makes a new one.

With a shared cache (Redis) the generation sits beside the pages, so a change made on one
node is seen at once by every node. With a cache local to each process (LocMemCache, no
REDIS_URL) workers share nothing but the database, so the generation is a database row
(caching.models.Generation), bumped in the same transaction as the change.

Once per transaction: inside a transaction other nodes can't see the change yet, so the
shared generation is bumped when it commits, once however many changes it made. Pages
this connection reads meanwhile (its own, uncommitted changes) get a bump first, so they
are never served from before the change; one rendered elsewhere from the old data before
the commit is stored under an older generation, never served again.

A leaf: nothing here imports another app.
"""

import logging
import secrets
import threading

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import F

from .models import Generation

log = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"


def page_cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def usable(cache):
    return not isinstance(cache, DummyCache)


def enabled():
    """Whether whole pages are cached."""
    return settings.PAGE_CACHE_SECONDS > 0 and usable(page_cache())


def is_local(cache):
    """A cache each process keeps for itself: nothing shared between gunicorn workers."""
    return isinstance(cache, LocMemCache)


def _new_generation():
    # Random rather than a counter: a generation evicted from the cache and made again
    # can never come back as the value an old entry was stored under.
    return secrets.token_hex(8)


def _bump_shared():
    log.debug("page generation bumped (shared cache)")
    try:
        page_cache().set(GENERATION_KEY, _new_generation(), timeout=None)
    except Exception:
        # Redis unreachable: pages are served uncached meanwhile, and stored pages
        # expire after PAGE_CACHE_SECONDS at most.
        log.warning("page cache: could not bump the generation", exc_info=True)


def _bump_row():
    log.debug("page generation bumped (database row)")
    if not Generation.objects.filter(pk=1).update(value=F("value") + 1):
        Generation.objects.update_or_create(pk=1, defaults={"value": 1})


class _Announcement:
    """The changes of one transaction: the shared generation is bumped once, on commit."""

    def __init__(self):
        self.committed = False
        # Changed since this connection last read the generation (see current()).
        self.unread = True

    def __call__(self):
        if not self.committed:
            self.committed = True
            _bump_shared()


# Connections are per thread, and so is the transaction an announcement belongs to.
_local = threading.local()


def content_changed():
    """Something readers see has changed: every cached page is stale, on every node."""
    if not (enabled() or settings.FRAGMENT_CACHE_SECONDS > 0) or not usable(page_cache()):
        return
    if is_local(page_cache()):
        _bump_row()  # in the transaction: other workers see one change when it commits
        return
    if not transaction.get_connection().in_atomic_block:
        _bump_shared()
        return
    announcement = getattr(_local, "announcement", None)
    if announcement is None or announcement.committed:
        announcement = _local.announcement = _Announcement()
    announcement.unread = True
    # Registered for every change, so a rolled-back savepoint can't take the only one with
    # it; the first to run bumps, the others do nothing.
    transaction.on_commit(announcement)


def current(cache):
    """The generation entries are stored under now (None: the shared cache is down)."""
    if is_local(cache):
        value = Generation.objects.filter(pk=1).values_list("value", flat=True).first()
        return str(value or 0)
    announcement = getattr(_local, "announcement", None)
    if (
        announcement is not None
        and announcement.unread
        and not announcement.committed
        and transaction.get_connection().in_atomic_block
    ):
        # This connection is about to read its own uncommitted changes.
        announcement.unread = False
        _bump_shared()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation
