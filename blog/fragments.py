"""Parts of pages that are the same for every reader (the archive sidebar, the site menu,
a digest's public comments), and the one place a cache may keep them.

Blog knows nothing of any cache: `shared()` renders, unless an app layered above installs
a keeper with `keep_with()` (caching/ does, in its AppConfig.ready()).
"""

_keeper = None
# What changes more often than the rest of a page, for `about`: every comment (the site's
# comment feed, the counts on lists of digests), and the comments on one digest.
COMMENTS = "comments"


def comments_of(slug):
    """The comments on the digest with this slug (its page, comment feed and list)."""
    return f"{COMMENTS}:{slug}"


def keep_with(keeper):
    """From now on shared(name, render, about) returns keeper(name, render, about)."""
    global _keeper
    _keeper = keeper


def shared(name, render, about=()):
    """render()'s HTML, from the installed keeper when there is one; name says what it shows.

    about: what the part shows that changes more often than the rest (COMMENTS,
    comments_of(slug)), for the keeper to know when it is stale.
    """
    if _keeper is None:
        return render()
    return _keeper(name, render, about)
