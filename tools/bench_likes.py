"""Which costs less for likes under the page cache: `python tools/bench_likes.py`.

(A) the count inside the cached page, a like making pages stale (the page cache's
generation: every cached page, the only invalidation caching has), or (B) what we do:
pages stay cached, and site.js asks a small endpoint whose shared part is kept in the
counters cache until the next like. Measured in this process on a throwaway SQLite
database with 30 digests (Django's test client, no network): a page from the cache, the
same page rendered, and the endpoint; then what a like costs under (A) and a page view
under (B), and the break-even.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench-likes-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DATABASE_URL=f"sqlite:///{TMP}/bench.sqlite3",
    DJANGO_ALLOWED_HOSTS="testserver",
    DJANGO_MEDIA_ROOT=f"{TMP}/media",
    BLOG_FETCH_VIDEO_POSTERS="0",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

ROUNDS = 200


def timed(client, url, **extra):
    started = time.perf_counter()
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - started, response


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    call_command("migrate", verbosity=0)
    from caching.pages import content_changed

    from likes.models import Like
    from tests import factories

    digests = [factories.make_digest(items=5) for _ in range(30)]
    digest = digests[3]
    for n in range(40):
        Like.objects.create(digest=digest, guest=f"guest-{n}")
    page, endpoint = digest.get_absolute_url(), reverse("likes:like", args=[digest.pk])
    pages = [reverse("blog:digest-list"), *(d.get_absolute_url() for d in digests[:10])]
    reader = Client()
    hits, misses, home_misses, calls = [], [], [], []
    for _ in range(ROUNDS):
        content_changed()  # what a like would do under (A)
        took, response = timed(reader, page)
        assert response["X-Page-Cache"] == "miss"
        misses.append(took)
        took, response = timed(Client(), page)
        assert response["X-Page-Cache"] == "hit"
        hits.append(took)
        calls.append(timed(reader, endpoint, HTTP_ACCEPT="application/json")[0])
    for _ in range(ROUNDS // 10):
        content_changed()
        home_misses.append(timed(reader, pages[0])[0])
    hit, miss, call = median_ms(hits), median_ms(misses), median_ms(calls)
    print(f"digest page from the page cache: {hit:.2f} ms (median of {ROUNDS})")
    print(f"digest page rendered (a miss):   {miss:.2f} ms")
    print(f"home page rendered (a miss):     {median_ms(home_misses):.2f} ms")
    print(f"likes endpoint (JSON, summary from the counters cache): {call:.2f} ms")
    extra = miss - hit
    print(
        f"(A) a like makes every cached page stale: each of the P pages read before the "
        f"next like is rendered again, {extra:.2f} ms more each; P = {len(pages)} → "
        f"{extra * len(pages):.1f} ms per like"
    )
    print(f"(B) every page view with JavaScript asks the endpoint: {call:.2f} ms per view")
    views = extra * len(pages) / call
    print(
        f"break-even: (B) costs less while there is a like every {views:.0f} page views or "
        f"more often; with rarer likes (A) costs less CPU in all. But (A) renders the home "
        "page, archives and feeds again on every like (a burst of likes turns the page "
        "cache off for the whole site), and it still needs a request of each guest's own to "
        "show them their like. We use (B): its cost is bounded, per view."
    )


if __name__ == "__main__":
    main()
