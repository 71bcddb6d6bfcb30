"""Hits sent again before Django (caching.replay, config/wsgi.py): the same bytes and
headers as the hit through Django, ended at once by a change, and never for a request
that is a reader's own. Requests here go to the WSGI application gunicorn runs."""

import secrets
from contextlib import contextmanager
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from caching import replay
from comments.session import REMEMBER_COOKIE
from config.wsgi import application
from tests.comment_helpers import approved_author, post_comment
from tests.test_cache import REDIS_URL, flush_prefix, redis_or_skip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    redis_or_skip()
    prefix = f"test-replay-{secrets.token_hex(6)}"
    settings.PAGE_CACHE_SECONDS = 600
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    replay.REPLAYS.clear()
    yield
    replay.REPLAYS.clear()
    flush_prefix(prefix)


class Answer:
    def __init__(self, status, headers, body, by_django):
        self.status, self.body, self.by_django = int(status.split()[0]), body, by_django
        self.headers = {name.lower(): value for name, value in headers}
        self.header_list = headers

    @property
    def text(self):
        return self.body.decode()


@contextmanager
def counting_django():
    """How many requests Django itself handled. The test's transaction stays open, as in
    django.test.Client: Django would otherwise close its connection before and after each
    request."""
    handled = []

    def count(**kwargs):
        handled.append(1)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(count)
    try:
        yield handled
    finally:
        request_started.disconnect(count)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(path, method="GET", **headers):
    """One request to config.wsgi.application, as gunicorn makes it."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "text/html",
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    setup_testing_defaults(environ)  # what a WSGI server adds; no SCRIPT_NAME, no QUERY_STRING
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=headers)

    with counting_django() as handled:
        chunks = application(environ, start_response)
        body = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
    return Answer(started["status"], started["headers"], body, by_django=bool(handled))


def without_request_id(answer):
    """The headers, in no order (HTTP gives theirs none), but the request id."""
    return sorted((name, value) for name, value in answer.header_list if name != "X-Request-ID")


def test_a_hit_is_sent_again_exactly_as_django_sent_it(digest):
    url = digest.get_absolute_url()
    miss, hit, again = call(url), call(url), call(url, x_request_id="reader-42")
    assert (miss.headers["x-page-cache"], hit.headers["x-page-cache"]) == ("miss", "hit")
    assert miss.by_django and hit.by_django and not again.by_django
    assert again.status == 200
    assert again.body == hit.body == miss.body
    assert without_request_id(again) == without_request_id(hit)
    # Every header the middleware adds is there, security headers too.
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options",
                 "vary", "etag", "last-modified", "content-length"):  # fmt: skip
        assert name in again.headers, name
    assert again.headers["x-request-id"] == "reader-42"
    assert call(url, x_request_id="bad id\x7f").headers["x-request-id"] != "bad id\x7f"


def test_a_new_comment_ends_the_hits_sent_again(digest):
    url = digest.get_absolute_url()
    call(url), call(url)
    assert not call(url).by_django
    approved_author()
    post_comment(Client(), digest, comment="Seen at once, on every page sent.")
    fresh = call(url)
    assert fresh.by_django
    assert "Seen at once, on every page sent." in fresh.text
    call(url)  # a hit through Django, then sent again
    again = call(url)
    assert not again.by_django
    assert "Seen at once, on every page sent." in again.text


def test_a_signed_in_reader_gets_their_own_page(digest, editor):
    url = digest.get_absolute_url()
    call(url), call(url)
    signed_in = Client()
    signed_in.force_login(editor)
    session = signed_in.cookies["sessionid"].value
    mine = call(url, cookie=f"csrftoken=abc; sessionid={session}")
    assert mine.by_django
    assert mine.headers["x-page-cache"] == "bypass"
    assert "Logged in as" in mine.text
    assert "Logged in as" not in call(url, cookie="csrftoken=abc").text


def test_a_remembered_guest_gets_their_name_in_the_form(digest):
    url = digest.get_absolute_url()
    approved_author()
    remembering = Client()
    post_comment(remembering, digest, remember="on", name="Grace Hopper", email="g@example.com")
    cookie = remembering.cookies[REMEMBER_COOKIE].value
    call(url), call(url)
    assert not call(url).by_django
    theirs = call(url, cookie=f'{REMEMBER_COOKIE}="{cookie}"')
    assert theirs.by_django
    assert "Grace Hopper" in theirs.text


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("HEAD", {}, 200),
        ("GET", {"accept": "application/activity+json"}, 200),
        ("GET", {"cookie": "messages=anything"}, 200),
        ("GET", {"authorization": "Basic eDp5"}, 200),
        ("GET", {"range": "bytes=0-10"}, 200),
    ],
)
def test_other_requests_go_to_django(digest, method, headers, status):
    url = digest.get_absolute_url()
    call(url), call(url)
    answer = call(url, method=method, **headers)
    assert answer.by_django
    assert answer.status == status


def test_a_conditional_request_gets_its_304_from_django(digest):
    url = digest.get_absolute_url()
    call(url)
    etag = call(url).headers["etag"]
    answer = call(url, if_none_match=etag)
    assert (answer.status, answer.body, answer.by_django) == (304, b"", True)


def test_no_hit_is_sent_again_once_the_page_cache_is_off(digest, settings):
    url = digest.get_absolute_url()
    call(url), call(url)
    settings.PAGE_CACHE_SECONDS = 0
    answer = call(url)
    assert answer.by_django
    assert "x-page-cache" not in answer.headers


def test_another_host_never_gets_this_hosts_page(digest, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    url = digest.get_absolute_url()
    call(url), call(url)
    other = call(url, host="other.example")
    assert other.by_django
    assert "http://other.example/" in other.text
    assert "http://testserver/" not in other.text
