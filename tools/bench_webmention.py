"""What verifying a received webmention costs the worker: `python tools/bench_webmention.py`.

Reads generated source pages of 100 kB, 500 kB and 1 MB (WEBMENTION_MAX_SOURCE_BYTES,
the largest read), with h-entries all the way down and the link to the digest at the
very end, as mentions.parsing does once blog.fetch has the bytes: parse the HTML, look
for the link, read the first h-entry (mf2py, mf2util). No network, no database; the
median of 5 runs each.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import urllib3  # noqa: E402

from blog.fetch import Response  # noqa: E402
from mentions import parsing  # noqa: E402

TARGET = "https://blog.example/2026/12/01/a-digest/"
ROW = (
    '<div class="h-entry"><a class="u-url" href="https://x.example/{n}">post {n}</a>'
    '<p class="e-content">' + "word " * 60 + "</p></div>\n"
)


def page(size):
    rows, body = [], 0
    while body < size - 200:
        rows.append(ROW.format(n=len(rows)))
        body += len(rows[-1])
    html = f'<html><body>{"".join(rows)}<a href="{TARGET}">us</a></body></html>'
    headers = urllib3.HTTPHeaderDict({"Content-Type": "text/html"})
    return Response(200, "https://source.example/", headers, html.encode())


def once(response):
    started = time.perf_counter()
    soup = parsing.document(response)
    assert parsing.links_to(response, soup, [TARGET])
    parsed = time.perf_counter()
    parsing.entry(response, soup, [TARGET])
    return parsed - started, time.perf_counter() - parsed


def main():
    print("| source page | parse and find the link | read the h-entry | total |")
    print("| --- | --- | --- | --- |")
    for size in (100_000, 500_000, 1_048_576):
        response = page(size)
        runs = [once(response) for _ in range(5)]
        link = statistics.median(r[0] for r in runs)
        entry = statistics.median(r[1] for r in runs)
        print(
            f"| {len(response.body) / 1000:,.0f} kB | {link * 1000:.0f} ms "
            f"| {entry * 1000:.0f} ms | {(link + entry) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
