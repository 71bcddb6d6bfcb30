"""Time the reader pages against a throwaway database full of digests: `make bench`.

Run as `python tools/bench.py [--digests 200] [--items 5] [--runs 30]`. The developer's
database is never touched: by default the script creates a test database (as the test
runner does), seeds it, measures, and destroys it. `--use-current-db` seeds the current
database instead, inside a transaction that is rolled back at the end; the tests use it
because they already run in a test database.
"""

import argparse
import logging
import os
import platform
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import django

if not __package__:  # run as `python tools/bench.py`: the project importable, Django started
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from blog.models import Category, Digest, MediaItem, RelatedLink, Tag
from blog.sanitize import render_author_markdown, strip_tags
from tools.throwaway import database_description, throwaway_database

VIDEO_IDS = ("5MdSE-N0bxs", "zR3Igc3Rhfg", "dQw4w9WgXcQ")
KINDS = (MediaItem.Kind.VIDEO, MediaItem.Kind.ARTICLE, MediaItem.Kind.LINK)
INTRO = "These are the latest articles and videos I found most interesting."
DESCRIPTION = (
    "A paragraph about the item, with **emphasis**, a [link](https://example.com/) "
    "and enough words to look like a real description of a video or an article."
)


@dataclass
class Row:
    page: str
    url: str
    status: int
    median_ms: float
    p90_ms: float
    queries: int
    size: int
    error: str = ""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="tools/bench.py",
        description="Measure render time of the home page, a digest, page 2 and the feed "
        "on seeded data.",
    )
    parser.add_argument("--digests", type=int, default=200, help="Published digests to seed.")
    parser.add_argument("--items", type=int, default=5, help="Items per digest.")
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per page.")
    parser.add_argument(
        "--use-current-db",
        action="store_true",
        help="Seed the current database inside a transaction that is rolled back "
        "(for tests, which already run in a test database).",
    )
    options = parser.parse_args(argv)
    if options.digests < 1 or options.items < 0 or options.runs < 1:
        parser.error("--digests and --runs must be at least 1, --items at least 0.")
    return vars(options)


def main(argv=None, out=None):
    Bench(out or sys.stdout).handle(parse_args(argv))


class Bench:
    def __init__(self, out):
        self.out = out

    def write(self, line):
        print(line, file=self.out)

    def handle(self, options):
        if options["use_current_db"]:
            with transaction.atomic():
                self.bench(options, where="the current database, rolled back afterwards")
                transaction.set_rollback(True)
        else:
            self.bench_in_test_db(options)

    def bench_in_test_db(self, options):
        owns_environment = True
        try:
            setup_test_environment()
        except RuntimeError:  # already set up, e.g. by a test runner
            owns_environment = False
        try:
            self.write("Creating a throwaway test database…")
            with throwaway_database("test_bench") as name:
                self.bench(options, where=f"throwaway test database {name}")
        finally:
            if owns_environment:
                teardown_test_environment()

    def bench(self, options, where):
        started = time.perf_counter()
        newest = seed(options["digests"], options["items"])
        seeded = time.perf_counter() - started
        self.write(
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"database {database_description()}"
        )
        self.write(
            f"Seeded {options['digests']} published digests × {options['items']} items into "
            f"{where} in {seeded:.1f} s; DEBUG={settings.DEBUG}; "
            f"1 warm-up + {options['runs']} timed requests per page."
        )

        pages, notes = pages_to_measure(newest)
        rows = []
        # A private cache, so a shared Redis cache never receives bench pages.
        bench_cache = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"bench-{secrets.token_hex(4)}",
            }
        }
        request_log = logging.getLogger("django.request")
        old_level = request_log.level
        request_log.setLevel(logging.CRITICAL)  # errors are reported in the table instead
        try:
            # Render every time: the page and fragment caches (caching/) would time cache hits.
            with override_settings(
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
                CACHES=bench_cache,
                PAGE_CACHE_SECONDS=0,
                FRAGMENT_CACHE_SECONDS=0,
            ):
                client = Client(raise_request_exception=False)
                for label, url in pages:
                    rows.append(measure(client, label, url, options["runs"]))
        finally:
            request_log.setLevel(old_level)

        self.write(format_table(rows))
        for row in rows:
            if row.error:
                notes.append(f"{row.page} ({row.url}): {row.error}")
        for note in notes:
            self.write(f"note: {note}")


def seed(n_digests, n_items):
    """Create published digests with items and related links; return the newest digest."""
    now = timezone.now()
    prefix = f"bench-{secrets.token_hex(3)}"
    category, _ = Category.objects.get_or_create(slug=prefix, defaults={"name": "Bench"})
    tags = [Tag.objects.create(name=f"{prefix} {n}", slug=f"{prefix}-{n}") for n in range(3)]
    intro_html = render_author_markdown(INTRO)
    description_html = render_author_markdown(DESCRIPTION)

    slugs = [f"{prefix}-digest-{n}" for n in range(n_digests)]
    Digest.objects.bulk_create(
        Digest(
            title=f"Bench digest {n + 1}",
            slug=slug,
            intro=INTRO,
            intro_html=intro_html,
            status=Digest.Status.PUBLISHED,
            published_at=now - timedelta(hours=n, minutes=1),
            search_text=f"{INTRO}\n{strip_tags(description_html)}",
        )
        for n, slug in enumerate(slugs)
    )
    digests = list(Digest.objects.filter(slug__startswith=prefix).order_by("-published_at"))
    Digest.categories.through.objects.bulk_create(
        Digest.categories.through(digest_id=d.pk, category_id=category.pk) for d in digests
    )
    Digest.tags.through.objects.bulk_create(
        Digest.tags.through(digest_id=d.pk, tag_id=tag.pk) for d in digests for tag in tags[:2]
    )

    items = []
    for d in digests:
        for position in range(n_items):
            kind = KINDS[position % len(KINDS)]
            if kind == MediaItem.Kind.VIDEO:
                url = f"https://www.youtube.com/watch?v={VIDEO_IDS[position % len(VIDEO_IDS)]}"
            else:
                url = f"https://example.com/{d.slug}/{position}"
            items.append(
                MediaItem(
                    digest_id=d.pk,
                    position=position,
                    kind=kind,
                    title=f"{d.title}, item {position + 1}",
                    source="World Science Festival",
                    description=DESCRIPTION,
                    description_html=description_html,
                    url=url,
                )
            )
    MediaItem.objects.bulk_create(items, batch_size=500)
    videos = MediaItem.objects.filter(digest__slug__startswith=prefix, kind=MediaItem.Kind.VIDEO)
    RelatedLink.objects.bulk_create(
        (
            RelatedLink(
                item_id=item_id,
                position=n,
                title=f"Paper {n + 1}",
                url=f"https://arxiv.org/abs/{n}",
            )
            for item_id in videos.values_list("pk", flat=True)
            for n in range(2)
        ),
        batch_size=500,
    )
    return digests[0]


def reverse_or_none(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def pages_to_measure(newest):
    """(label, url) pairs, and notes on pages skipped because their URL does not exist yet."""
    notes = []
    home = reverse("blog:digest-list")
    pages = [("home", home), ("digest", newest.get_absolute_url())]
    page_2 = reverse_or_none("blog:digest-list-page", page=2) or f"{home}?{urlencode({'page': 2})}"
    pages.append(("home page 2", page_2))
    feed = reverse_or_none("blog:feed")
    if feed:
        pages.append(("rss feed", feed))
    else:
        notes.append("rss feed skipped: the URL name blog:feed does not resolve yet")
    search = reverse_or_none("blog:search")
    if search:
        pages.append(("search", f"{search}?{urlencode({'q': 'bench digest'})}"))
    else:
        notes.append("search skipped: the URL name blog:search does not resolve yet")
    return pages, notes


def measure(client, label, url, runs):
    """One warm-up request, one to count queries, then `runs` timed requests."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body_of(response)
    # Count now: each later request empties the connection's query log.
    query_count = len(queries.captured_queries)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        body = body_of(response)
        timings.append((time.perf_counter() - start) * 1000)
    error = ""
    if getattr(response, "exc_info", None):
        exc = response.exc_info[1]
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    return Row(
        page=label,
        url=url,
        status=response.status_code,
        median_ms=statistics.median(timings),
        p90_ms=percentile_90(timings),
        queries=query_count,
        size=len(body),
        error=error,
    )


def body_of(response):
    """The full body; streamed responses are consumed so their time is counted."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def percentile_90(values):
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def format_table(rows):
    header = ("page", "status", "median ms", "p90 ms", "queries", "bytes")
    lines = [
        (
            r.page,
            str(r.status),
            f"{r.median_ms:.1f}",
            f"{r.p90_ms:.1f}",
            str(r.queries),
            str(r.size),
        )
        for r in rows
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]

    def line(cells):
        first, *rest = cells
        padded = [cell.rjust(w) for cell, w in zip(rest, widths[1:], strict=True)]
        return "  ".join([first.ljust(widths[0]), *padded])

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, lines)])


if __name__ == "__main__":
    main()
