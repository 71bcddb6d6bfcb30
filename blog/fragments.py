"""Parts of pages that are the same for every reader (the archive sidebar, the site menu,
a digest's public comments), and the one place a cache may keep them.

Blog knows nothing of any cache: `shared()` renders, unless an app layered above installs
a keeper with `keep_with()` (caching/ does, in its AppConfig.ready()).
"""

import threading
from contextlib import contextmanager

_keeper = None
_local = threading.local()


def keep_with(keeper):
    """From now on shared(name, render) returns keeper(name, render)."""
    global _keeper
    _keeper = keeper


@contextmanager
def uncached():
    """Within it, shared() renders afresh and keeps nothing: for pages made from content
    that is never stored (the admin's live preview, rendered in a rolled-back transaction)."""
    before = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = before


def shared(name, render):
    """render()'s HTML, from the installed keeper when there is one; name says what it shows."""
    if _keeper is None or getattr(_local, "off", False):
        return render()
    return _keeper(name, render)
