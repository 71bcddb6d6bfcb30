"""The page generation: every stored page and fragment carries the one it was rendered
under, and an entry of another generation is a miss. content_changed() makes a new one.

Scopes narrow it: a page or fragment that also shows something that changes more often
than the rest (a digest's comments, the comment counts in lists) names that scope, and
carries the site's generation and the scope's (the names: blog.fragments). A change to
comments (scopes_changed()) makes a new generation of their scopes only, so a new comment
re-renders its digest's page, the comment feeds and the lists with their counts, and
leaves every other page and fragment where it is. With a cache local to each process,
every scope is the one database row.

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
SCOPE_KEY = "pages:generation:"


def _key(scope):
    return GENERATION_KEY if scope is None else SCOPE_KEY + scope


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


def _bump_shared(scopes=(None,)):
    """A new generation for each scope (None: the site's, which every entry carries)."""
    log.debug("page generation bumped (shared cache): %s", ", ".join(map(str, scopes)))
    try:
        page_cache().set_many({_key(s): _new_generation() for s in scopes}, timeout=None)
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
        self.scopes = set()
        # Changed since this connection last read the generation (see current()).
        self.unread = set()

    def __call__(self):
        if not self.committed:
            self.committed = True
            _bump_shared(self.scopes)


# Connections are per thread, and so is the transaction an announcement belongs to.
_local = threading.local()


def content_changed():
    """Something readers see has changed: every cached page is stale, on every node."""
    _changed({None})


def scopes_changed(scopes):
    """What these scopes show changed: the entries that name one are stale, on every node;
    other pages and fragments stay."""
    _changed(set(scopes))


def _changed(scopes):
    if not (enabled() or settings.FRAGMENT_CACHE_SECONDS > 0) or not usable(page_cache()):
        return
    if is_local(page_cache()):
        _bump_row()  # in the transaction: other workers see one change when it commits
        return
    if not transaction.get_connection().in_atomic_block:
        _bump_shared(scopes)
        return
    announcement = getattr(_local, "announcement", None)
    if announcement is None or announcement.committed:
        announcement = _local.announcement = _Announcement()
    # A rolled-back savepoint leaves its scopes here: bumped for nothing, never missed.
    announcement.scopes |= scopes
    announcement.unread |= scopes
    # Registered for every change, so a rolled-back savepoint can't take the only one with
    # it; the first to run bumps, the others do nothing.
    transaction.on_commit(announcement)


def current(cache, scopes=()):
    """The generation entries of these scopes are stored under now, the site's and each
    scope's in one value (None: the shared cache is down)."""
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
        _bump_shared(announcement.unread)
        announcement.unread = set()
    keys = [GENERATION_KEY, *(_key(scope) for scope in scopes)]
    values = cache.get_many(keys)
    missing = [key for key in keys if values.get(key) is None]
    if missing:
        for key in missing:
            cache.add(key, _new_generation(), timeout=None)
        values.update(cache.get_many(missing))
    if any(values.get(key) is None for key in keys):
        return None
    return ":".join(values[key] for key in keys)
