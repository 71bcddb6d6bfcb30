"""Django's Redis cache, made to fail soft: with Redis down the site serves uncached.

Every cache operation that fails behaves like a miss (get returns the default, set and
delete do nothing, add says "added" so flood and rate limits let comments through),
logs a warning at most once every `WARN_EVERY` seconds, and stops asking Redis for
`BREAK_SECONDS`, so a Redis that hangs costs one socket timeout, not one per call.
That state is the process's, shared by its threads (Django makes a cache object per
thread). `ping()` bypasses all that for /readyz.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Short socket timeouts: a cache slower than this is worse than no cache.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
ERRORS = (redis.RedisError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool.

    Django makes a new redis.Redis for every call, and redis-py fills a table of some 170
    response callbacks in each: that cost more than the round trip itself on a cache hit.
    redis.Redis objects are thread-safe; the pool hands out connections.
    """

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if id(pool) not in clients:
            clients[id(pool)] = self._client(connection_pool=pool)
        return clients[id(pool)]


class Breaker:
    """Until when a Redis server is left alone, and when its failure was last logged."""

    _all = {}
    _all_lock = threading.Lock()

    def __init__(self):
        self.down_until = 0.0
        self.warned_at = 0.0
        self.lock = threading.Lock()

    @classmethod
    def of(cls, server):
        """The one breaker of this process for `server` (every thread's cache object)."""
        with cls._all_lock:
            return cls._all.setdefault(server, cls())

    def is_open(self):
        return time.monotonic() < self.down_until

    def trip(self, seconds, warn_every):
        """Leave the server alone for `seconds`; True if this failure is to be logged."""
        with self.lock:
            now = time.monotonic()
            self.down_until = now + seconds
            if now - self.warned_at < warn_every:
                return False
            self.warned_at = now
            return True


class FailSafeRedisCache(RedisCache):
    BREAK_SECONDS = 5
    WARN_EVERY = 60

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._breaker = Breaker.of(server)

    def _failed(self, operation, exc):
        if self._breaker.trip(self.BREAK_SECONDS, self.WARN_EVERY):
            logger.warning(
                "Cache unavailable (%s during %s): serving uncached", type(exc).__name__, operation
            )

    def _call(self, operation, fallback, *args, **kwargs):
        if self._breaker.is_open():
            return fallback
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except ERRORS as exc:
            self._failed(operation, exc)
            return fallback

    def ping(self):
        """Raise unless Redis answers (for /readyz); a success closes the breaker."""
        self._cache.get_client(write=True).ping()
        self._breaker.down_until = 0.0

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)

    def incr(self, key, delta=1, version=None):
        if self._breaker.is_open():
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        try:
            return super().incr(key, delta, version)
        except ERRORS as exc:
            self._failed("incr", exc)
            # As for a missing key: callers already handle that.
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc
