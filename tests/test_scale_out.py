"""Two app nodes behind an imaginary load balancer: two gunicorn servers on two loopback
ports, sharing the machine's PostgreSQL (a database of their own), Redis (a database
number and key prefix of their own) and, for uploads, a local S3-compatible server
(moto in server mode). Everything goes through HTTP, as a browser would.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/10")
BUCKET = "digestblog-media"
EDITOR_PASSWORD = "correct horse battery"
STARTUP_SECONDS = 30


def unavailable(what):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not available: .ci/run starts it")
    pytest.skip(f"the scale-out test needs {what}")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, process, log):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def database():
    name = f"digestblog_scaleout_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        unavailable(f"PostgreSQL at {POSTGRES}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cache_prefix():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        unavailable(f"Redis at {REDIS_URL}")
    prefix = f"scaleout-{secrets.token_hex(4)}"
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 on a loopback port, with an empty bucket."""
    import boto3

    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 (moto_server from our virtualenv)
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(endpoint, process, log)
        env = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            # Readers fetch media straight from the bucket (a public-read bucket in production).
            "AWS_DEFAULT_ACL": "public-read",
        }
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        yield env, client
    finally:
        stop(process)


@pytest.fixture(scope="module")
def site_env(database, cache_prefix, s3, tmp_path_factory):
    """The environment both nodes share; the database migrated, an editor and a digest."""
    s3_env, _ = s3
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))},
        **s3_env,
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "DJANGO_CACHE_KEY_PREFIX": cache_prefix,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_DOMAIN": "127.0.0.1",
        # Nothing may land on a node's own disk: a local folder per node proves it.
        "DJANGO_MEDIA_ROOT": str(tmp_path_factory.mktemp("unused-media")),
        "DJANGO_LOG_LEVEL": "WARNING",
        "BLOG_FETCH_VIDEO_POSTERS": "0",
        "WEBMENTION_SEND": "0",  # digests link to the internet
        "COMMENTS_HOLD_FIRST_COMMENT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 300}
    subprocess.run([*manage, "migrate", "--noinput"], **run)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", SEED.format(password=EDITOR_PASSWORD)], **run
    )
    return env


SEED = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from blog.models import Digest
get_user_model().objects.create_superuser("editor", "editor@example.com", "{password}")
Digest.objects.create(
    title="Shared digest", slug="shared-digest", intro="Seen from both nodes.",
    status="published", published_at=timezone.now() - timedelta(hours=1),
)
"""


@pytest.fixture(scope="module")
def nodes(site_env, tmp_path_factory):
    """Two gunicorn servers, 2 workers each, on two free loopback ports."""
    logs = tmp_path_factory.mktemp("nodes")
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = logs / f"{name}.log"
            with log.open("w") as out:
                # gunicorn.conf.py (project folder) when present; --bind and -w win over it.
                process = subprocess.Popen(  # noqa: S603
                    [
                        str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                        "--workers", "2",
                    ],
                    cwd=ROOT, env=site_env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            node = Node(f"http://127.0.0.1:{port}", process, log)
            started.append(node)
        for node in started:
            wait_for(node.url + "/robots.txt", node.process, node.log)
        yield started
    finally:
        for node in started:
            stop(node.process)


class Node:
    def __init__(self, url, process, log):
        self.url, self.process, self.log = url, process, log

    def __repr__(self):
        return f"<node {self.url}>"


class FormParser(HTMLParser):
    """The fields of one <form> (by id, or the first POST form), as a browser sends them."""

    def __init__(self, form_id=None):
        super().__init__()
        self.form_id, self.inside, self.done = form_id, False, False
        self.fields, self.select, self.textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            if self.form_id is None:
                self.inside = attrs.get("method", "get").lower() == "post"
            else:
                self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file", "image"}:
                self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [])
        elif tag == "option" and self.select:
            if "selected" in attrs:
                self.select[2].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self.select:
            name, _, chosen = self.select
            self.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, parts = self.textarea
            self.fields.append((name, "".join(parts).removeprefix("\n")))
            self.textarea = None


def form_fields(html, form_id=None):
    parser = FormParser(form_id)
    parser.feed(html)
    return parser.fields


def with_values(fields, **values):
    """The form's fields with some replaced (or added)."""
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())


def sign_in(node):
    browser = requests.Session()
    login = f"{node.url}/admin/login/"
    fields = form_fields(browser.get(login, timeout=10).text, "login-form")
    fields = with_values(fields, username="editor", password=EDITOR_PASSWORD, next="/admin/")
    response = browser.post(login, data=fields, headers={"Referer": login}, timeout=10)
    assert response.url.rstrip("/").endswith("/admin"), response.text[:500]
    return browser


def digest_url(node):
    """The shared digest's permalink, as the home page links it."""
    home = requests.get(node.url + "/", timeout=10).text
    return node.url + re.search(r'href="(/\d{4}/\d{2}/\d{2}/shared-digest/)"', home).group(1)


def _comment_form(page):
    start = page.index('<form class="comment-form"')
    return form_fields(page[start:])


def post_comment(browser, page_node, post_node, text, **fields):
    """Open the digest on one node and send its comment form to the other (as a load
    balancer might), from an address of its own (X-Forwarded-For from the trusted proxy)."""
    page_url = digest_url(page_node)
    page = browser.get(page_url, timeout=10).text
    data = with_values(_comment_form(page), comment=text, **fields)
    if ("csrfmiddlewaretoken", "") in data:
        # A page from the cache has none: the browser asks for one (static/blog/site.js).
        token = browser.get(f"{page_node.url}/csrf-token/", timeout=10).json()["token"]
        data = with_values(data, csrfmiddlewaretoken=token)
    headers = {
        "Referer": page_url,
        "X-Forwarded-For": f"198.51.100.{secrets.randbelow(250) + 1}",
    }
    return browser.post(
        f"{post_node.url}/comments/post/",
        data=data,
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )


def test_a_comment_made_public_on_one_node_shows_at_once_on_the_other(nodes):
    a, b = nodes
    reader = requests.Session()
    url = digest_url(b)
    reader.get(url, timeout=10)
    cached = reader.get(url, timeout=10)
    assert cached.headers["X-Page-Cache"] == "hit"
    assert "No comments yet" in cached.text

    editor = sign_in(a)
    response = post_comment(editor, a, a, "Written by the editor on node A.")
    assert response.status_code == 302, response.text[:500]

    fresh = reader.get(url, timeout=10)
    assert "Written by the editor on node A." in fresh.text
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert reader.get(url, timeout=10).headers["X-Page-Cache"] == "hit"


def test_a_guest_comment_confirmed_on_the_other_node_shows_everywhere(nodes, site_env):
    a, b = nodes
    reader = requests.Session()
    url = digest_url(a)
    reader.get(url, timeout=10)
    guest = requests.Session()

    response = post_comment(
        guest, b, b, "A guest, confirmed through node A.",
        name="Grace Guest", email="grace@example.com", url="",
    )  # fmt: skip
    assert response.status_code == 302, response.text[:500]
    assert "A guest, confirmed" not in reader.get(url, timeout=10).text

    # Node B queued the mail; a worker on the shared database sends it (the console
    # backend prints it).
    worker = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"],
        cwd=ROOT, env=site_env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    links = re.findall(r"/comments/confirm/[^/\s]+/", worker.stdout)
    assert links, f"no confirmation mail from the worker: {worker.stdout[-2000:]}"
    confirm = f"{a.url}{links[-1]}"
    page = guest.get(confirm, timeout=10).text
    response = guest.post(confirm, data=form_fields(page), headers={"Referer": confirm}, timeout=10)
    assert response.status_code == 200

    for node in (a, b):
        assert "A guest, confirmed through node A." in reader.get(digest_url(node)).text


def test_a_signed_in_session_works_on_both_nodes(nodes):
    a, b = nodes
    editor = sign_in(a)
    on_b = editor.get(f"{b.url}/admin/", timeout=10, allow_redirects=False)
    assert on_b.status_code == 200
    assert "Site administration" in on_b.text
    page = editor.get(digest_url(b), timeout=10)
    assert page.headers["X-Page-Cache"] == "bypass"
    assert "Logged in as" in page.text


def test_an_upload_on_one_node_is_served_by_the_other_from_shared_storage(nodes, s3, site_env):
    a, b = nodes
    _, bucket = s3
    editor = sign_in(a)
    changelist = editor.get(f"{a.url}/admin/blog/digest/", timeout=10).text
    change_url = a.url + re.search(r'href="(/admin/blog/digest/\d+/change/)', changelist).group(1)
    fields = form_fields(editor.get(change_url, timeout=10).text, "digest_form")
    fields = with_values(fields, cover_alt="A red test card", _save="Save")

    response = editor.post(
        change_url,
        data=fields,
        files={"cover_image": ("card.jpg", factories.image_bytes(size=(640, 480)), "image/jpeg")},
        headers={"Referer": change_url},
        timeout=30,
    )
    assert response.status_code == 200 and "was changed successfully" in response.text, (
        response.text[-2000:]
    )

    stored = [obj["Key"] for obj in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    covers = [key for key in stored if key.startswith("covers/")]
    assert covers, stored
    assert not any(Path(site_env["DJANGO_MEDIA_ROOT"]).rglob("*.jpg"))

    page = requests.get(digest_url(b), timeout=10).text
    image = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert image.startswith(site_env["AWS_S3_ENDPOINT_URL"]) and covers[0] in image
    served = requests.get(image, timeout=10)
    assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"
