"""Counters every worker shares (settings.COUNTER_CACHE_ALIAS: Redis, or a database table),
and the one limit on confirmation mails, whatever asks for them (a comment, a comment
subscription, following the blog): nobody can use the site to flood a third party's inbox."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils.connection import ConnectionProxy

# Like django.core.cache.cache: each thread's own client of that cache.
counters = ConnectionProxy(caches, settings.COUNTER_CACHE_ALIAS)


def kept(key, seconds, compute):
    """compute()'s value, kept in the counters every worker and node shares for `seconds`
    at most, until forget(key): what every reader sees of something that seldom changes."""
    found = counters.get(key)
    if found is None:
        found = compute()
        counters.set(key, found, seconds)
    return found


def forget(key):
    """What kept() holds under key changed: dropped now, and again once the transaction
    commits, so a reader in between can't keep the old value."""
    counters.delete(key)
    transaction.on_commit(lambda: counters.delete(key))


def client_ip(request):
    """The reader's address (config.middleware puts a trusted proxy's X-Forwarded-For here)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def hit(key, seconds):
    """Count one event in a window; returns how many there were in it, this one included."""
    if counters.add(key, 1, seconds):
        return 1
    try:
        return counters.incr(key)
    except ValueError:  # expired between add and incr
        counters.add(key, 1, seconds)
        return 1


def hashed(value):
    """A counter's name for an address: the address itself is never a cache key."""
    return hashlib.sha256(value.casefold().encode()).hexdigest()[:32]


def may_send_confirmation(email, ip=None):
    """Count one confirmation mail to this address from this IP; False once either has had
    enough this hour (COMMENTS_CONFIRMATION_MAILS_PER_HOUR: per address, per IP). No IP:
    an operator's command, counted per address only."""
    per_address, per_ip = settings.COMMENTS_CONFIRMATION_MAILS_PER_HOUR
    if hit(f"comments:confirm-mail:{hashed(email)}", 3600) > per_address:
        return False
    return ip is None or hit(f"comments:confirm-mail-ip:{ip}", 3600) <= per_ip
