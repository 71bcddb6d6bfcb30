"""Fifty readers reply to one thread at the same moment, through the real HTTP stack."""

import http.cookiejar
import json
import random
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django_comments_xtd.models import XtdComment

from comments.models import DigestComment, VerifiedEmail
from comments.services import build_comment
from tests import factories

READERS = 50
ROUNDS = 5


class FormFields(HTMLParser):
    """The comment form's hidden inputs (CSRF token and django-comments' security fields)."""

    def __init__(self):
        super().__init__()
        self.fields, self.inside = {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "comment-form" in (attrs.get("class") or ""):
            self.inside = True
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 302 the comment view answers with, to look at it."""

    def redirect_request(self, *args, **kwargs):
        return None


class Reader:
    """One browser: its own cookie jar, and the form as the digest page served it."""

    def __init__(self, base_url, digest_url):
        self.base_url, self.digest_url = base_url, digest_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )
        self.fields = {}

    def request(self, path, data=None):
        """(status, Location, body) of one request."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, body, timeout=60) as response:
                return response.status, response.headers["Location"], response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Location"], error.read().decode(errors="replace")

    def open_digest(self):
        """GET the page: the CSRF cookie, its token and the form's security fields."""
        status, _, html = self.request(self.digest_url)
        assert status == 200, html[:500]
        parser = FormFields()
        parser.feed(html)
        self.fields = parser.fields
        assert {"csrfmiddlewaretoken", "security_hash", "timestamp"} <= self.fields.keys()
        if not self.fields["csrfmiddlewaretoken"]:
            # A page from the cache has none: the browser asks (static/blog/site.js).
            status, _, body = self.request(reverse("csrf-token"))
            assert status == 200, body[:500]
            self.fields["csrfmiddlewaretoken"] = json.loads(body)["token"]

    def reply(self, reply_to, email, text):
        data = {
            **self.fields,
            "reply_to": str(reply_to),
            "honeypot": "",
            "name": email.split("@")[0],
            "email": email,
            "url": "",
            "comment": text,
        }
        return self.request(reverse("comments:post"), data)


@pytest.fixture
def server(live_server, tmp_path):
    """The live server, each request on its own database connection, as in production.

    PostgreSQL needs nothing. pytest-django's SQLite test database lives in memory, and
    the live server then makes every request thread share the test's one connection:
    SQLite's locking is never exercised and concurrent transactions trip over each other.
    So on SQLite the test runs on a file copy that every thread, this one included, opens
    itself with the project's options (WAL, BEGIN IMMEDIATE, a busy timeout).
    """
    # Django's test server listens with a backlog of 10; fifty readers connecting at the
    # same instant would be reset by the kernel before reaching Django (gunicorn: 2048).
    httpd = live_server.thread.httpd
    httpd.socket.listen(READERS * 2)
    try:
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            with sqlite_in_a_file(live_server, tmp_path / "concurrency.sqlite3"):
                yield live_server
        else:
            yield live_server
    finally:
        httpd.socket.listen(httpd.request_queue_size)


@contextmanager
def sqlite_in_a_file(live_server, path):
    """Point this thread and the server's request threads at a file copy of the test database."""
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    target.close()
    memory = connections["default"]
    shared = live_server.thread.connections_override
    in_memory_settings = connections.settings["default"]
    file_settings = {**in_memory_settings, "NAME": str(path)}
    connections.settings["default"] = file_settings  # what new connections in any thread use
    own = memory.__class__(file_settings, alias="default")
    connections["default"] = own  # this thread's connection; the server's threads open theirs
    overridden = shared.pop("default", None)
    try:
        yield
    finally:
        if overridden is not None:
            shared["default"] = overridden
        connections.settings["default"] = in_memory_settings
        own.close()
        connections["default"] = memory


def seed(digest, parent, name):
    return factories.make_comment(
        digest, f"Seeded {name}", parent=parent, user_name=name, user_email=f"{name}@example.com"
    )


def check_thread(thread_id):
    """The stored positions are the depth-first order of the tree built from parent_id."""
    rows = list(
        DigestComment.objects.filter(thread_id=thread_id).values(
            "pk", "parent_id", "level", "order", "nested_count"
        )
    )
    orders = sorted(r["order"] for r in rows)
    assert orders == list(range(1, len(rows) + 1)), "positions not unique and contiguous"
    by_pk = {r["pk"]: r for r in rows}
    children = {r["pk"]: [] for r in rows}
    (root,) = [r for r in rows if r["parent_id"] == r["pk"]]
    assert root["pk"] == thread_id and root["level"] == 0
    # A reply goes after its parent's existing subtree, so siblings are in posting (pk) order.
    for r in sorted(rows, key=lambda r: r["pk"]):
        if r is not root:
            parent = by_pk[r["parent_id"]]
            assert r["level"] == parent["level"] + 1, r
            children[parent["pk"]].append(r["pk"])

    expected, stack = [], [root["pk"]]
    while stack:
        pk = stack.pop()
        expected.append(pk)
        stack.extend(reversed(children[pk]))
    stored = [r["pk"] for r in sorted(rows, key=lambda r: r["order"])]
    assert stored == expected, "stored order is not the depth-first order of the tree"

    def descendants(pk):
        return sum(1 + descendants(child) for child in children[pk])

    for r in rows:
        assert r["nested_count"] == descendants(r["pk"]), r
    return rows


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_replies_keep_the_thread_consistent(server, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_RATE_LIMIT = (100_000, 3600)
    max_level = settings.COMMENTS_XTD_MAX_THREAD_LEVEL
    digest = factories.make_digest()
    root = seed(digest, None, "root")
    node = root
    for level in range(1, max_level):  # a chain down to the deepest level that takes replies
        node = seed(digest, node, f"level{level}")
    other_thread = seed(digest, None, "other-thread")
    seed(digest, other_thread, "other-reply")
    VerifiedEmail.objects.bulk_create(
        VerifiedEmail(email=f"r{n}-{i}@example.com", has_approved_comment=True)
        for n in range(ROUNDS)
        for i in range(READERS)
    )
    readers = [Reader(server.url, digest.get_absolute_url()) for _ in range(READERS)]
    with ThreadPoolExecutor(READERS) as pool:
        list(pool.map(Reader.open_digest, readers))

    rng = random.Random(2024)
    thread = DigestComment.objects.filter(thread_id=root.pk)
    total = time.monotonic()
    for n in range(ROUNDS):
        # A quarter answer the root; the others any comment that still takes replies,
        # among them the previous rounds' replies.
        open_to_replies = list(thread.filter(level__lt=max_level).values_list("pk", flat=True))
        parents = [root.pk if i % 4 == 0 else rng.choice(open_to_replies) for i in range(READERS)]
        stored_before = thread.count()
        start = threading.Barrier(READERS)

        def post(i, n=n, parents=parents, start=start):
            start.wait()  # every reply leaves at the same moment
            return readers[i].reply(parents[i], f"r{n}-{i}@example.com", f"Round {n}, reply {i}.")

        began = time.monotonic()
        with ThreadPoolExecutor(READERS) as pool:
            answers = list(pool.map(post, range(READERS)))
        print(f"round {n + 1}: {READERS} concurrent replies in {time.monotonic() - began:.2f}s")

        assert [status for status, _, _ in answers] == [302] * READERS, [
            body[:300] for status, _, body in answers if status != 302
        ]
        replies = {c.comment: c for c in thread.filter(comment__startswith=f"Round {n}, ")}
        for i, (_, location, _) in enumerate(answers):
            reply = replies[f"Round {n}, reply {i}."]
            assert (reply.parent_id, reply.state) == (parents[i], DigestComment.State.PUBLIC)
            assert location.endswith(f"{digest.get_absolute_url()}#c{reply.pk}")
        assert len(check_thread(root.pk)) == stored_before + READERS
    print(f"{ROUNDS} rounds on {connection.vendor} in {time.monotonic() - total:.2f}s")

    assert thread.filter(level=max_level).exists()  # the deepest level was reached
    assert list(
        DigestComment.objects.filter(thread_id=other_thread.pk).values_list("order", flat=True)
    ) == [1, 2]


def test_the_checker_notices_a_reply_outside_its_parents_subtree(db, digest):
    root = seed(digest, None, "root")
    first = seed(digest, root, "first")
    first_reply = seed(digest, first, "first-reply")
    second = seed(digest, root, "second")
    check_thread(root.pk)
    # Swap the last two: second now sits between first and first's reply.
    rows = XtdComment.norel_objects
    rows.filter(pk=first_reply.pk).update(order=99)
    rows.filter(pk=second.pk).update(order=3)
    rows.filter(pk=first_reply.pk).update(order=4)
    with pytest.raises(AssertionError, match="depth-first"):
        check_thread(root.pk)


def test_unique_thread_and_order_is_a_real_backstop(db, digest):
    root = seed(digest, None, "root")
    reply = seed(digest, root, "reply")
    # Built, not placed: saved by hand into the reply's position, past the thread's lock.
    twin = build_comment(
        digest, user_name="twin", user_email="twin@example.com", comment="Same place",
        thread_id=root.pk, parent_id=root.pk, level=1, order=reply.order,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
    assert list(DigestComment.objects.values_list("user_name", "order")) == [
        ("root", 1),
        ("reply", 2),
    ]


@pytest.mark.django_db(transaction=True)
def test_identical_posts_racing_are_stored_once(server, settings):
    """Ten browsers send the same words as the same author at the same moment."""
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_RATE_LIMIT = (100_000, 3600)
    digest = factories.make_digest()
    parent = seed(digest, None, "parent")
    VerifiedEmail.objects.create(email="twin@example.com", has_approved_comment=True)
    readers = [Reader(server.url, digest.get_absolute_url()) for _ in range(10)]
    for reader in readers:
        reader.open_digest()
    start = threading.Barrier(len(readers))

    def post(reader, top_level):
        start.wait()
        return reader.reply(0 if top_level else parent.pk, "twin@example.com", "Same words.")

    for top_level in (True, False):
        start.reset()
        DigestComment.objects.filter(comment="Same words.").delete()
        with ThreadPoolExecutor(len(readers)) as pool:
            answers = list(pool.map(lambda r, t=top_level: post(r, t), readers))
        stored = list(DigestComment.objects.filter(comment="Same words."))
        assert len(stored) == 1, f"{len(stored)} copies stored (top level: {top_level})"
        assert {status for status, _, _ in answers} == {302}
        assert {location.split("#")[1] for _, location, _ in answers} == {f"c{stored[0].pk}"}
