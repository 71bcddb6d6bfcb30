"""Rendered parts of pages shared by every reader, for the requests the page cache can't
serve (signed-in readers, commenters, any page cache miss): the archive sidebar and a
digest's list of public comments.

An entry carries the page generation (caching.pages) it was rendered under, so every
change that makes cached pages stale makes these stale too, on every node; and, like a
page, it never outlives PAGE_CACHE_SECONDS or the next scheduled publication.
FRAGMENT_CACHE_SECONDS = 0 turns fragments off (the query-count tests do).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils.safestring import mark_safe

from . import pages

log = logging.getLogger(__name__)


def cached(name, render):
    """render()'s HTML, from the cache while nothing has changed; name says what it shows."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    if seconds <= 0 or not pages.usable(pages.page_cache()):
        return render()
    cache = pages.page_cache()
    key = "pages:fragment:" + hashlib.sha256(repr(name).encode()).hexdigest()
    try:
        generation, entry = pages._generation_and_entry(cache, key)
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
    lifetime = pages.lifetime(seconds)
    if generation is not None and lifetime:
        entry = {"generation": generation, "expires": time.time() + lifetime, "html": str(html)}
        entry["bytes"] = len(entry["html"])
        try:
            pages.store(cache, key, entry, lifetime)
        except Exception:
            log.warning("fragment cache: could not store %r", name, exc_info=True)
    return html
