"""Parts of pages that are the same for every reader (the archive sidebar, the site menu,
a digest's public comments), and the one place a cache may keep them.

Blog knows nothing of any cache: `shared()` renders, unless an app layered above installs
a keeper with `keep_with()` (caching/ does, in its AppConfig.ready()).
"""

_keeper = None


def keep_with(keeper):
    """From now on shared(name, render) returns keeper(name, render)."""
    global _keeper
    _keeper = keeper


def shared(name, render):
    """render()'s HTML, from the installed keeper when there is one; name says what it shows."""
    if _keeper is None:
        return render()
    return _keeper(name, render)
