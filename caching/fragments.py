"""Rendered parts of pages shared by every reader, for the requests the page cache can't
serve (signed-in readers, commenters, any page cache miss): the home page's list of
digest cards (the {% fragment %} tag). blog.fragments.shared() comes here once caching.apps has
installed cached() as its keeper. (The sidebar, the menu and a digest's thread are drawn
once per version instead: blog.chrome, comments.tally, caching.drawings.)

An entry carries the page generation (caching.generation) it was rendered under, so every
change that makes cached pages stale makes these stale too, on every node (the list of
digest cards also carries the scope of every comment, for their counts); and, like a
page, it never outlives PAGE_CACHE_SECONDS or the next scheduled publication.
FRAGMENT_CACHE_SECONDS = 0 turns fragments off (the query-count tests do).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .generation import page_cache, usable
from .store import lifetime, lookup, store

log = logging.getLogger(__name__)


def cached(name, render, about=()):
    """render()'s HTML, from the cache while nothing has changed; name says what it shows,
    about the scopes (caching.generation) it also changes with."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    cache = page_cache()
    if seconds <= 0 or not usable(cache):
        return render()
    # The language is part of the key: the HTML is in it (DJANGO_LANGUAGE_CODE).
    key = f"pages:fragment:{get_language()}:" + hashlib.sha256(repr(name).encode()).hexdigest()
    try:
        generation, entry = lookup(cache, key, about)
    except DatabaseError:
        raise  # the generation row: render() would only wait for the database again
    except Exception:
        log.warning("fragment cache unreachable; rendering", exc_info=True)
        return render()
    if (
        entry
        and generation is not None
        and entry["generation"] == generation
        and entry["expires"] > time.time()
    ):
        return mark_safe(entry["html"])  # noqa: S308 (our own template's output, as rendered)
    html = render()
    seconds = lifetime(seconds)
    if generation is not None and seconds:
        entry = {"generation": generation, "expires": time.time() + seconds, "html": str(html)}
        entry["bytes"] = len(entry["html"])
        try:
            store(cache, key, entry, seconds)
        except Exception:
            log.warning("fragment cache: could not store %r", name, exc_info=True)
    return html
