"""Whole pages for anonymous readers, from the cache shared by every app node.

What is cached: GET and HEAD of the reader pages in CACHED_ROUTES (home, digests,
archives, categories, tags, feeds, sitemap, robots.txt), without a query string other
than ``?page=``, answered 200, for a reader with nothing personal in the request.

Who gets fresh pages: signed-in readers; a session holding the reader's own comments
(comments.session.OWN_COMMENTS: their pending comments and Edit links are shown only
to them); any request with messages waiting; a browser with the "remember me" cookie
(its name and email are filled into the comment form). Responses that set a cookie of
their own, change the session or say private/no-cache/no-store are not stored.

Same bytes for every anonymous reader: a stored page keeps its forms' CSRF token fields
empty, and sets no cookie (the token the render made is dropped, so is the cookie it
asked for). static/blog/site.js fills the fields in when the reader starts using a form,
from caching.csrf.token; without JavaScript the form posts without one and
caching.csrf.failure answers with the same form, token included, to send again. The
form's signed timestamp (valid two hours) is far older than PAGE_CACHE_SECONDS can make it.

Shared caches: a stored page is sent `Cache-Control: public, max-age=0,
s-maxage=EDGE_CACHE_SECONDS, stale-while-revalidate=EDGE_STALE_SECONDS`, so a proxy in
front (nginx proxy_cache, docs/deploy.md) keeps it a few seconds and then asks again with
If-None-Match, answered 304 from here while nothing changed. Personal pages (bypass) are
`private, no-store`; the proxy tells them apart by the same cookies (is_personal()).

Invalidation: every entry carries the generation it was rendered under
(caching.generation); an entry of another generation is a miss. Saving or deleting
anything a page shows (caching.apps) makes a new generation, on every node at once; a
comment only that of the pages showing comments (scopes()): its digest's page and
comment feed, the site's comment feed, and the lists of digests with their counts.
Time: caching.store.

Hits before Django: a hit served here once is then sent again by the WSGI application
itself, bytes and headers as they left here, for requests that carry nothing personal
(caching.replay); everything else still comes here.

Conditional requests: stored pages carry a weak ETag (a hash of the page) and
Last-Modified (when it was rendered) and answer 304 to a matching If-None-Match /
If-Modified-Since; max-age=0 makes browsers ask every time.
"""

import hashlib
import logging
import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from blog import fragments
from comments.session import OWN_COMMENTS, REMEMBER_COOKIE

from .generation import enabled, page_cache
from .store import lifetime, lookup, store

log = logging.getLogger(__name__)

# URL names (resolver_match.view_name) whose anonymous GET responses are cached.
CACHED_ROUTES = frozenset(
    {
        "blog:digest-list",
        "blog:digest-list-page",
        "blog:digest-detail",
        "blog:archive-year",
        "blog:archive-month",
        "blog:category-detail",
        "blog:category-feed",
        "blog:tag-detail",
        "blog:feed",
        "blog:atom-feed",
        "blog:sitemap",
        "blog:robots",
        "comments:digest-feed",
        "comments:feed",
    }
)
# Routes that also show comments (blog.fragments): a comment changes these and no other.
LISTS = frozenset(
    {
        "blog:digest-list",
        "blog:digest-list-page",
        "blog:archive-year",
        "blog:archive-month",
        "blog:category-detail",
        "blog:tag-detail",
    }
)
ONE_DIGEST = frozenset({"blog:digest-detail", "comments:digest-feed"})
# Query parameters a cached page may have: each value gives one more entry. Any other
# (search terms, ?replytocom=, tracking tags) is rendered fresh rather than filling the cache.
CACHED_PARAMS = frozenset({"page"})
# Headers kept with a stored page; the rest belong to one response (cookies, Vary, dates).
STORED_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Link")
# What {% csrf_token %} renders; a stored page keeps the field, empty.
CSRF_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")([^"]+)(")')
HEADER = "X-Page-Cache"
# Accept values asking for another representation of the same address (ActivityPub,
# JSON-LD): never answered with, nor stored as, the page. docs/deploy.md's nginx agrees.
OTHER_REPRESENTATIONS = ("application/activity+json", "application/ld+json")
# The cookies that may make a page personal (is_personal()); without any of them a request
# is anonymous (caching.replay), and so docs/deploy.md's nginx tells them apart.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, REMEMBER_COOKIE, CookieStorage.cookie_name)
# The environ key a hit leaves, for caching.replay: (cache key, scopes, entry).
SERVED_HIT = "caching.served_hit"


# Requests --------------------------------------------------------------------------


def is_cacheable_request(request):
    match = request.resolver_match
    return (
        request.method in ("GET", "HEAD")
        and match is not None
        and match.view_name in CACHED_ROUTES
        and all(name in CACHED_PARAMS for name in request.GET)
        and not asks_for_another_representation(request.headers.get("Accept", ""))
    )


def asks_for_another_representation(accept):
    return any(kind in accept for kind in OTHER_REPRESENTATIONS)


def is_personal(request):
    """Whether the page may show this reader something that is theirs alone."""
    if request.COOKIES.get(REMEMBER_COOKIE):
        return True
    if request.user.is_authenticated:
        return True
    if request.session.get(OWN_COMMENTS):
        return True
    # len() reads the stored messages without marking them as shown.
    return len(messages.get_messages(request)) > 0


def scopes(request):
    """What the page shows that changes more often than the rest (caching.generation):
    a digest's comments, or every comment (the site's comment feed, the counts on lists)."""
    match = request.resolver_match
    if match.view_name in ONE_DIGEST:
        return (fragments.comments_of(match.kwargs["slug"]),)
    if match.view_name in LISTS or match.view_name == "comments:feed":
        return (fragments.COMMENTS,)
    return ()


def cache_key(request):
    # Scheme and host too: feeds, canonical and og: links are absolute. The language too:
    # a site switched to another DJANGO_LANGUAGE_CODE serves no page in the old one.
    address = request.build_absolute_uri().encode()
    return f"pages:page:{get_language()}:" + hashlib.sha256(address).hexdigest()


class PageCacheMiddleware:
    """Serve and store reader pages; goes last in MIDDLEWARE, after sessions, CSRF,
    authentication and messages, so their headers and cookies still apply to hits."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        plan = getattr(request, "_page_cache", None)
        if plan is None:
            return response
        if plan["state"] == "miss":
            response = self.store(request, response, plan)
        if "entry" in plan:
            response.headers["Cache-Control"] = edge_cache_control(plan["entry"])
        elif plan["state"] == "bypass":
            # Made for this reader alone: no cache but theirs may keep it, not even that.
            patch_cache_control(response, private=True, no_store=True)
        elif not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        response.headers.setdefault(HEADER, plan["state"])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (enabled() and is_cacheable_request(request)):
            return None
        # A database error reading the session (or, below, the generation row) is raised:
        # the view would only try the silent database again (config.middleware answers 503).
        if is_personal(request):
            request._page_cache = {"state": "bypass"}
            return None
        key, shown = cache_key(request), scopes(request)
        cache = page_cache()
        try:
            generation, entry = lookup(cache, key, shown)
        except DatabaseError:
            raise
        except Exception:
            log.warning("page cache unreachable; serving uncached", exc_info=True)
            return None
        if generation is None:
            return None  # the cache is down
        fresh = entry and entry["generation"] == generation and entry["expires"] > time.time()
        # "csrf": an entry stored before pages lost their tokens (a placeholder in them).
        if fresh and not entry.get("csrf"):
            request._page_cache = {"state": "hit", "entry": entry}
            request.META[SERVED_HIT] = (key, shown, entry)
            return self.serve(request, entry)
        request._page_cache = {
            "state": "miss",
            "key": key,
            "generation": generation,
            "csrf_used_before": bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")),
        }
        return None

    def serve(self, request, entry):
        not_modified = get_conditional_response(
            request, etag=entry["etag"], last_modified=entry["last_modified"]
        )
        if not_modified is not None:
            return self.validators(not_modified, entry)
        response = HttpResponse(entry["body"], status=entry["status"])
        for name, value in entry["headers"]:
            response.headers[name] = value
        return self.validators(response, entry)

    def validators(self, response, entry):
        response.headers["ETag"] = entry["etag"]
        response.headers["Last-Modified"] = http_date(entry["last_modified"])
        return response

    def store(self, request, response, plan):
        """Keep the response if it is the same for every anonymous reader."""
        if not self.storable(request, response):
            plan["state"] = "not stored"
            return response
        body, tokens = CSRF_INPUT.subn(rb"\1\3", response.content)
        csrf_used = (
            bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) and not plan["csrf_used_before"]
        )
        if csrf_used and not tokens:
            # The token went somewhere other than a form field: can't be swapped safely.
            plan["state"] = "not stored"
            return response
        now = time.time()
        try:
            seconds = lifetime(float(settings.PAGE_CACHE_SECONDS))
        except Exception:
            log.warning("page cache: could not read the next publication", exc_info=True)
            return response
        if not seconds:
            plan["state"] = "not stored"
            return response
        entry = {
            "generation": plan["generation"],
            "expires": now + seconds,
            "last_modified": int(now),
            "etag": f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"',
            "status": response.status_code,
            "headers": [(h, response[h]) for h in STORED_HEADERS if response.has_header(h)],
            "body": body,
            "bytes": len(body),
        }
        try:
            store(page_cache(), plan["key"], entry, seconds)
        except Exception:
            log.warning("page cache: could not store a page", exc_info=True)
            return response
        plan["entry"] = entry
        if csrf_used:
            # The token went nowhere but the fields just emptied: no cookie for it either.
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response.content = body  # this reader gets the bytes every other one will
        self.validators(response, entry)
        not_modified = get_conditional_response(
            request, etag=entry["etag"], last_modified=entry["last_modified"]
        )
        if not_modified is not None:
            return self.validators(not_modified, entry)
        return response

    def storable(self, request, response):
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            return False
        if response.cookies:
            return False
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        if len(messages.get_messages(request)):
            return False
        cache_control = response.get("Cache-Control", "")
        if any(word in cache_control for word in ("private", "no-cache", "no-store")):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= {"cookie", "accept-encoding"}


def edge_cache_control(entry):
    """A stored page: the same for every anonymous reader, so shared caches may keep it
    EDGE_CACHE_SECONDS (never past the entry's own end); browsers ask again every time."""
    seconds = min(settings.EDGE_CACHE_SECONDS, int(entry["expires"] - time.time()))
    if seconds < 1:
        return "private, no-cache"
    return (
        f"public, max-age=0, s-maxage={seconds}, "
        f"stale-while-revalidate={settings.EDGE_STALE_SECONDS}"
    )
