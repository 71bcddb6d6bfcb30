"""Paste to filled item: `python tools/bench_unfurl.py [--rounds 20] [--no-browser]`.

Against the loopback stand-in of tests/link_standin.py (a video host's oEmbed endpoint and
poster, an article with OpenGraph and an og:image, arXiv's API), on a throwaway SQLite
database; nothing leaves the machine. Two figures for each kind of link, medians of
--rounds:

- server: the describe endpoint the change form calls (POST with the address; fetch
  through blog.fetch, parse, fetch the poster, check it like an upload, stash it), through
  Django's test client in this process;
- browser: in Debian's chromium (CHROMIUM_PATH, /usr/bin/chromium), from the click on
  "Add item" in "Add item from link" on a new digest's page to the first frame with the
  item's title filled in, timed in the page (performance.now()), against a live server
  thread of this process.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench-unfurl-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DATABASE_URL=f"sqlite:///{TMP}/bench.sqlite3",
    DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
    DJANGO_MEDIA_ROOT=f"{TMP}/media",
    BLOG_FETCH_VIDEO_POSTERS="0",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests import factories  # noqa: E402
from tests.link_standin import link_site  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# In the page: the time of the click on "Add item", then the first frame with the title set.
ON_CLICK = """() => document.getElementById('composer-add').addEventListener(
    'click', () => { window.benchClicked = performance.now(); }, {capture: true})"""
# ... and how long of that the request to the describe endpoint took (resource timing).
FILLED = """() => document.getElementById('id_media_items-0-title').value !== '' && [
    performance.now() - window.benchClicked,
    performance.getEntriesByType('resource').filter(e => e.name.includes('/describe/'))
        .map(e => e.duration).pop()]"""


def links(base):
    return {
        "YouTube video (oEmbed + poster)": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "article (OpenGraph + og:image)": f"{base}/article",
        "arXiv paper (API)": "https://arxiv.org/abs/1706.03762",
    }


def ms(samples):
    median, most = statistics.median(samples) * 1000, max(samples) * 1000
    return f"{median:7.1f} ms (median), {most:7.1f} ms max"


def server_side(addresses, rounds):
    client = Client()
    client.force_login(factories.make_editor("bench"))
    for name, url in addresses.items():
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            answer = client.post(reverse("composer:describe"), {"url": url}).json()
            samples.append(time.perf_counter() - started)
            assert answer["ok"] and answer["title"], answer
        print(f"  {name:34} {ms(samples)}")


def in_browser(addresses, rounds):
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    base = f"http://127.0.0.1:{server.port}"
    settings.ALLOWED_HOSTS = ["*"]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            # bypass_csp: only so that the wait below may poll each frame with a predicate.
            page = browser.new_page(bypass_csp=True)
            page.goto(base + reverse("admin:login"))
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"**{reverse('admin:index')}")
            for name, url in addresses.items():
                samples, requests = [], []
                for _ in range(rounds):
                    page.goto(base + reverse("admin:blog_digest_add"))
                    page.get_by_label("Address", exact=True).fill(url)
                    page.evaluate(ON_CLICK)
                    page.get_by_role("button", name="Add item", exact=True).click()
                    took, request = page.wait_for_function(FILLED, polling="raf").json_value()
                    samples.append(took / 1000)
                    requests.append(request / 1000)
                print(f"  {name:34} {ms(samples)}")
                print(f"  {'  of which the request':34} {ms(requests)}")
            browser.close()
    finally:
        server.terminate()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    try:
        run(options)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


def run(options):
    with link_site(settings) as site:
        addresses = links(site.base)
        print(f"server: the describe endpoint, {options.rounds} rounds each")
        server_side(addresses, options.rounds)
        if options.no_browser:
            return
        if not Path(CHROMIUM).exists():
            print(f"browser: skipped, no chromium at {CHROMIUM}")
            return
        print(f"browser: click “Add item” to the title filled in, {options.rounds} rounds each")
        in_browser(addresses, options.rounds)


if __name__ == "__main__":
    main()
