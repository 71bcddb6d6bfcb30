import os
import shutil
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command

from tests import factories, loopback
from tests.idp.wordpress_standin import wordpress_provider
from tests.link_standin import link_site

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Before the test database is made: feeds, sitemaps and mails name the test server."""
    settings.SITE_DOMAIN = "testserver"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads into its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def no_calls_out(settings):
    """Nothing reaches a video host; tests that fetch serve on loopback and allow that port."""
    settings.BLOG_FETCH_VIDEO_POSTERS = False
    settings.BLOG_VIDEO_POSTER_SOURCES = {
        "youtube": ("http://127.0.0.1:9/{id}.jpg",),
        "vimeo": "http://127.0.0.1:9/oembed?url={url}",
    }
    settings.COMPOSER_FETCH_LINKS = False  # the linked_site fixture turns it on
    settings.COMPOSER_OEMBED_ENDPOINTS = {
        "youtube": "http://127.0.0.1:9/oembed",
        "vimeo": "http://127.0.0.1:9/oembed",
    }
    settings.COMPOSER_ARXIV_API = "http://127.0.0.1:9/arxiv"
    settings.COMPOSER_DOI_API = "http://127.0.0.1:9/doi/"
    settings.FETCH_ALLOWED_PRIVATE = []  # whatever the environment says
    settings.WEBMENTION_SEND = False  # a published digest's links are on the internet


@pytest.fixture
def connections():
    """The (address, port) of every connection the process attempts during the test."""
    with loopback.recording() as seen:
        yield seen


@pytest.fixture
def linked_site(settings):
    """The loopback stand-in for linked sites (tests/link_standin.py), settings aimed at it."""
    with link_site(settings) as server:
        yield server


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (sorl-thumbnail keeps its lookups there)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wordpress(settings):
    """Our WordPress.com provider, configured against its loopback stand-in."""
    with wordpress_provider(settings) as standin:
        yield standin


@pytest.fixture(autouse=True)
def empty_counters(request):
    """Flood and rate counters start at zero. In tests they are a database table: rolled
    back after a test in a transaction, so emptied only for tests that commit."""
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        caches[settings.COUNTER_CACHE_ALIAS].clear()


@pytest.fixture
def drawn():
    """The names of the templates drawn since the last call (as the test runner reports
    each render)."""
    from django.test.signals import template_rendered

    names = []

    def record(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)

    def since():
        made = list(names)
        names.clear()
        return made

    yield since
    template_rendered.disconnect(record)


@pytest.fixture
def no_page_cache(settings):
    """Every request renders its whole page (caching off): for tests counting queries."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, never a downloaded browser; nothing leaves the machine."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def run_worker(transactional_db):
    """Run `manage.py db_worker --batch` in this process: every due task, then it returns.

    The tasks go through django-tasks' database backend as in production; in this process,
    so their mail lands in Django's test outbox. Real commits (transactional_db): a worker
    sees only what a request committed.
    """

    def run():
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        handlers = {signum: signal.getsignal(signum) for signum in signals}
        try:
            call_command(
                "db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0
            )
        finally:  # the worker installs its own handlers for a graceful stop
            for signum, handler in handlers.items():
                signal.signal(signum, handler)

    return run


@pytest.fixture
def sent_mail(mailoutbox, run_worker):
    """Call it to run the worker and get every mail sent so far (Django's test outbox)."""

    def sent():
        run_worker()
        return mailoutbox

    return sent


@pytest.fixture
def editor(db):
    return factories.make_editor()


@pytest.fixture
def digest(db):
    return factories.make_digest()


@pytest.fixture
def page(page, live_server):
    """A browser page that can reach only the test server: every other request is refused.

    The refused addresses are kept on `page.blocked_requests`, so a test can see that
    a video player was asked for without the request leaving the machine.
    """
    page.blocked_requests = []

    def only_local(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            page.blocked_requests.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.set_default_timeout(15_000)
    return page
