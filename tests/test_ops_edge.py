"""nginx's proxy_cache in front of gunicorn, configured with the very lines of
docs/deploy.md ("Pages from nginx's cache"): Debian's nginx as a child of the test, on a
loopback port, with its prefix, cache and logs in a temporary folder (tools/nginx_edge.py).

Which requests reached gunicorn is read from its JSON access log: nginx gives every
request an id (X-Request-ID, sent to gunicorn and back to the reader), and gunicorn logs
the ids of the requests it answered.
"""

import html
import json
import os
import re
import time
from urllib.parse import urlencode

import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    Gunicorn,
    base_env,
    collected_static,
    fetch,
    form_fields,
    manage,
    ops_media,
    ops_postgres,
)
from tools import nginx_edge

EDGE_SECONDS = 1  # DJANGO_EDGE_CACHE_SECONDS: a change shows on the page after this
PASSWORD = "edge-test-" + "pass-phrase-0f-s0me-length"
GUEST_EMAIL = f"pat-{os.getpid()}-{time.time_ns()}@example.com"
SERVED_FROM_CACHE = {"HIT", "UPDATING", "STALE"}


@pytest.fixture(scope="module")
def edge(collected_static, ops_media, ops_postgres, tmp_path_factory):  # noqa: F811
    if not nginx_edge.binary():
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: .ci/run installs Debian's nginx")
        pytest.skip("needs nginx (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("edge")
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_MEDIA_ROOT=ops_media,
        DJANGO_EDGE_CACHE_SECONDS=EDGE_SECONDS,
        WEB_CONCURRENCY=2,
    )
    gunicorn = Gunicorn(env, folder).start()
    # A reader's address of its own: the other ops tests' flood counters (the same
    # database) count 127.0.0.1.
    nginx = nginx_edge.Nginx(folder, gunicorn.port, forwarded_for="198.51.100.7").start()
    nginx.gunicorn, nginx.env = gunicorn, env
    yield nginx
    nginx.stop()
    gunicorn.stop()


def get(edge, path, cookies=None, **headers):
    """(X-Cache, request id, headers, body) of one GET through nginx."""
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, response_headers, body = fetch(edge.url + path, headers=headers)
    assert status == 200, (path, status, body[:300])
    return response_headers["X-Cache"], response_headers["X-Request-ID"], response_headers, body


def answered_by_gunicorn(edge, ids):
    """Of `ids`, those in gunicorn's access log (waits a moment for the log to catch up)."""
    deadline = time.monotonic() + 5
    while True:
        logged = {
            line.get("request_id")
            for line in edge.gunicorn.json_lines()
            if line.get("logger") == "gunicorn.access"
        }
        if set(ids) <= logged or time.monotonic() > deadline:
            return set(ids) & logged
        time.sleep(0.1)


def digest_path(edge):
    _, _, _, home = get(edge, "/")
    return re.search(r'href="(/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home).group(1)


def cookies_of(headers):
    pairs = (re.match(r"([^=]+)=([^;]*)", c).groups() for c in headers.get_all("Set-Cookie") or ())
    return dict(pairs)


def test_hits_never_reach_gunicorn(edge):
    digest = digest_path(edge)
    answers = [get(edge, path) for _ in range(15) for path in ("/", digest, "/feed/")]

    hits = [request_id for cache, request_id, _, _ in answers if cache in SERVED_FROM_CACHE]
    asked = [request_id for cache, request_id, _, _ in answers if cache not in SERVED_FROM_CACHE]
    assert len(hits) > len(asked)  # the rest: the first of each, one more every second
    assert not answered_by_gunicorn(edge, hits)
    assert answered_by_gunicorn(edge, asked) == set(asked)
    for _, _, headers, _ in answers:
        assert "s-maxage" in headers["Cache-Control"] and "public" in headers["Cache-Control"]
        assert not headers.get_all("Set-Cookie")
    # Every reader got the same bytes of each page, with no one's CSRF token in them.
    assert len({body for _, _, _, body in answers}) == 3
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', answers[1][3])
    assert tokens and set(tokens) == {""}

    # What the app doesn't mark public (a search) is never kept.
    searches = [get(edge, "/search/?q=entropy") for _ in range(3)]
    assert {cache for cache, _, _, _ in searches} == {"MISS"}
    ids = [request_id for _, request_id, _, _ in searches]
    assert answered_by_gunicorn(edge, ids) == set(ids)


def test_a_new_public_comment_is_on_the_page_once_the_edge_seconds_have_passed(edge):
    digest = digest_path(edge)
    get(edge, digest)
    assert get(edge, digest)[0] in SERVED_FROM_CACHE
    words = f"Published at the edge {time.monotonic_ns()}."
    manage(
        "shell", "-c",
        "from blog.models import Digest; from comments.models import DigestComment; "
        "from comments.services import create_comment; from blog.sanitize import "
        "render_comment_text as r; "
        f"d = Digest.objects.get(slug={digest.rstrip('/').rsplit('/', 1)[1]!r}); "
        f"create_comment(d, None, user_name='Edge Reader', user_email='edge@example.com', "
        f"comment={words!r}, comment_html=r({words!r}), state=DigestComment.State.PUBLIC, "
        "ip_address='192.0.2.9')",
        env=edge.env,
    )  # fmt: skip
    # The documented delay, s-maxage and a second: nginx keeps time in whole seconds, so a
    # copy stays fresh to the end of the second it expires in. Then it is stale.
    time.sleep(EDGE_SECONDS + 1.2)
    cache, _, _, page = get(edge, digest)
    assert words in html.unescape(page), cache
    assert cache not in SERVED_FROM_CACHE
    assert get(edge, digest)[0] in SERVED_FROM_CACHE  # and that one is shared again


def sign_in(edge):
    """An editor signs in through nginx (the admin's log-in form): their cookies."""
    manage(
        "shell", "-c",
        "from django.contrib.auth import get_user_model; U = get_user_model(); "
        "U.objects.filter(username='edge-editor').exists() or U.objects.create_superuser("
        f"'edge-editor', 'edge-editor@example.com', {PASSWORD!r})",
        env=edge.env,
    )  # fmt: skip
    status, headers, page = fetch(edge.url + "/admin/login/")
    assert status == 200 and headers["X-Cache"] != "HIT"
    cookies = cookies_of(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, body = fetch(
        edge.url + "/admin/login/?next=/admin/",
        method="POST",
        body=urlencode({"username": "edge-editor", "password": PASSWORD,
                        "csrfmiddlewaretoken": token, "next": "/admin/"}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": edge.url,
                 "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )  # fmt: skip
    assert status == 302, body[:500]
    return cookies | cookies_of(headers)


def comment_as_guest(edge, digest, words):
    """A guest posts through nginx as site.js does: the page, then a token for the form."""
    _, _, _, page = get(edge, digest)
    fields = form_fields(page)
    assert fields["csrfmiddlewaretoken"] == ""  # the shared page has none
    status, headers, body = fetch(edge.url + "/csrf-token/")
    assert status == 200 and headers["X-Cache"] != "HIT"
    assert "no-store" in headers["Cache-Control"]
    cookies = cookies_of(headers)
    fields |= {"csrfmiddlewaretoken": json.loads(body)["token"], "name": "Pending Pat",
               "email": GUEST_EMAIL, "comment": words}  # fmt: skip
    status, headers, body = fetch(
        edge.url + "/comments/post/",
        method="POST",
        body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": edge.url,
                 "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )  # fmt: skip
    assert status == 302, body[:500]
    return cookies | cookies_of(headers)


def test_personal_pages_are_always_fresh_and_never_shown_to_anyone_else(edge):
    digest = digest_path(edge)
    editor = sign_in(edge)
    words = f"Only I can see this yet {time.monotonic_ns()}."
    guest = comment_as_guest(edge, digest, words)
    assert "sessionid" in editor and "sessionid" in guest

    personal = []
    for _ in range(3):
        for cookies, mine in ((editor, "Logged in as"), (guest, words)):
            cache, request_id, headers, page = get(edge, digest, cookies=cookies)
            assert cache == "BYPASS"
            assert mine in html.unescape(page)
            assert "private" in headers["Cache-Control"] and "no-store" in headers["Cache-Control"]
            personal.append(request_id)
    assert answered_by_gunicorn(edge, personal) == set(personal)  # every one of them fresh

    # Everyone else: the shared page, without their name, words or cookies.
    values = [value for value in (*editor.values(), *guest.values()) if len(value) > 8]
    secrets = ["Logged in as", "edge-editor", words, "Pending Pat", GUEST_EMAIL, *values]
    for _ in range(5):
        for cookies in (None, {"csrftoken": guest["csrftoken"]}):
            cache, _, headers, page = get(edge, digest, cookies=cookies)
            assert not headers.get_all("Set-Cookie")
            shown = html.unescape(page) + str(headers)
            assert not [secret for secret in secrets if secret in shown], cache
    assert get(edge, digest)[0] in SERVED_FROM_CACHE


def test_an_activitypub_client_never_gets_the_cached_page(edge):
    digest = digest_path(edge)
    get(edge, digest)
    assert get(edge, digest)[0] in SERVED_FROM_CACHE
    for accept in ("application/activity+json", 'application/ld+json; profile="x"'):
        status, headers, _ = fetch(edge.url + digest, headers={"Accept": accept})
        assert headers["X-Cache"] == "BYPASS", (accept, status)
