"""Time import_wxr on a large generated WordPress export: items/s, peak memory (make bench-wxr).

Run as `python tools/bench_wxr.py [--posts 2000] [--comments 10] [--images 1]`. The
developer's database is never touched: the script creates a throwaway test
database (on SQLite a file, as in production, not the test runner's in-memory one),
imports into it, prints the figures and destroys it. `--use-current-db` imports into
the current database inside a transaction that is rolled back (for the tests, which
already run in a test database). Files go to a temporary folder, removed at the end.
"""

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import django

if not __package__:  # run as `python tools/bench_wxr.py`: the project importable, Django started
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import override_settings

from tools.generate_wxr import write_export
from tools.throwaway import database_description, throwaway_database
from wxr.importer import Importer
from wxr.reader import Reader


def rss_mb():
    """The process's resident memory now (Linux), in MB; None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def where():
    """ " (the file)" for an SQLite database, which the import writes as in production."""
    return f" ({connection.settings_dict['NAME']})" if connection.vendor == "sqlite" else ""


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="tools/bench_wxr.py",
        description="Generate a large WordPress export and time import_wxr on it "
        "(items/s, peak memory).",
    )
    parser.add_argument("--posts", type=int, default=2000, help="Posts to generate.")
    parser.add_argument("--comments", type=int, default=10, help="Comments per post, on average.")
    parser.add_argument("--images", type=int, default=1, help="Images (attachments) per post.")
    parser.add_argument(
        "--tracemalloc", action="store_true",
        help="Also report the Python heap's peak (slows the import down).",
    )  # fmt: skip
    parser.add_argument(
        "--use-current-db", action="store_true",
        help="Import into the current database inside a transaction that is rolled back.",
    )  # fmt: skip
    options = parser.parse_args(argv)
    if options.posts < 1 or options.comments < 0 or options.images < 0:
        parser.error("--posts must be at least 1, --comments and --images at least 0.")
    return vars(options)


def main(argv=None, out=None):
    BenchWXR(out or sys.stdout).handle(parse_args(argv))


class BenchWXR:
    def __init__(self, out):
        self.out = out

    def write(self, line):
        print(line, file=self.out)

    def handle(self, options):
        with tempfile.TemporaryDirectory(prefix="bench-wxr-") as folder:
            folder = Path(folder)
            export, uploads = folder / "export.xml", folder / "uploads"
            started = time.perf_counter()
            with export.open("w", encoding="utf-8") as out:
                counts = write_export(
                    out, uploads, posts=options["posts"], comments=options["comments"],
                    images=options["images"],
                )  # fmt: skip
            size = export.stat().st_size / 1024 / 1024
            self.write(
                f"Generated {export.name}: {size:.1f} MB, {counts['posts']:,} posts, "
                f"{counts['attachments']:,} attachments, {counts['comments']:,} comments "
                f"in {time.perf_counter() - started:.1f} s"
            )
            storage = {
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(folder / "media"), "base_url": "/media/"},
                },
            }
            with override_settings(STORAGES=storage, MEDIA_ROOT=str(folder / "media")):
                if options["use_current_db"]:
                    with transaction.atomic():
                        self.measure(export, uploads, counts, size, options)
                        transaction.set_rollback(True)
                else:
                    self.in_throwaway_db(folder, export, uploads, counts, size, options)

    def in_throwaway_db(self, folder, *args):
        with throwaway_database("test_bench_wxr", sqlite_file=folder / "bench.sqlite3"):
            self.measure(*args)

    def measure(self, export, uploads, counts, size, options):
        self.write(
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"{database_description()}{where()}, DEBUG={settings.DEBUG}"
        )
        started = time.perf_counter()
        for _ in Reader(export):
            pass
        read = time.perf_counter() - started
        self.write(f"Reading alone (the check pass): {read:.1f} s, {size / read:.1f} MB/s")

        rss_before = rss_mb()
        if options["tracemalloc"]:
            tracemalloc.start()
        started = time.perf_counter()
        summary = Importer(export, uploads_dir=uploads).run()
        elapsed = time.perf_counter() - started
        heap = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if options["tracemalloc"] else None
        tracemalloc.stop()

        items = counts["posts"] + counts["attachments"]
        self.write(
            f"Import: {elapsed:.1f} s for {items:,} items ({counts['posts']:,} posts, "
            f"{counts['attachments']:,} attachments) and {counts['comments']:,} comments"
        )
        self.write(
            f"  {items / elapsed:,.1f} items/s, {counts['comments'] / elapsed:,.1f} comments/s, "
            f"{size / elapsed:.2f} MB/s of WXR"
        )
        memory = f"Peak memory: {peak_rss_mb():.0f} MB resident"
        if rss_before is not None:
            memory += f" ({rss_before:.0f} MB before the import)"
        if heap is not None:
            memory += f"; Python heap peak during the import {heap:.1f} MB"
        self.write(memory)
        tallies = summary.tallies
        self.write(
            "Created: "
            + ", ".join(f"{tallies[k].created:,} {k}" for k in ("posts", "comments", "files"))
            + f"; {len(summary.warnings)} warnings"
        )


if __name__ == "__main__":
    main()
