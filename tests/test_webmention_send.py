"""Sending webmentions when a digest is published or edited, to a loopback stand-in for
the pages it links to (their endpoints found as the spec says), by the real worker."""

from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blog.models import Digest, MediaItem, RelatedLink
from blog.news import not_news
from mentions import sending
from mentions.models import SentMention
from tests import factories, loopback

Status = SentMention.Status


class Pages(BaseHTTPRequestHandler):
    """Pages that name their endpoint in each way the spec allows, or none, or a broken one."""

    PAGES = {
        "/header": ([("Link", '</in?from=header>; rel="webmention"')], b"<p>Header</p>"),
        "/both": (
            [("Link", '<https://x.example/>; rel="other", </in>; rel="webmention nofollow"')],
            b'<link rel="webmention" href="/not-this">',
        ),
        "/link": ([], b'<html><head><link rel="webmention" href="in?from=link"></head></html>'),
        "/anchor": ([], b'<p><a rel="nofollow webmention" href="/in?from=a">wm</a></p>'),
        "/none": ([], b"<p>No endpoint here.</p>"),
        "/broken": ([], b'<link rel="webmention" href="/fails">'),
        "/private": ([], b'<link rel="webmention" href="http://10.9.8.7/in">'),
    }

    def do_GET(self):
        self.server.paths.append(("GET", self.path))
        headers, body = self.PAGES.get(self.path, ([], b"missing"))
        self.send_response(200 if self.path in self.PAGES else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.paths.append(("POST", self.path))
        self.server.posts.append((self.path, fields, self.headers["Content-Type"]))
        status = 500 if self.path == "/fails" else 202
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def pages(settings):
    with loopback.serve(Pages) as server:
        server.posts = []
        server.url = f"http://127.0.0.1:{server.server_port}"
        settings.FETCH_ALLOWED_PRIVATE = [f"127.0.0.1:{server.server_port}"]
        settings.WEBMENTION_SEND = True
        yield server


def linking_digest(url, **fields):
    """A draft linking to every page of the stand-in: in items, related links and text."""
    digest = factories.make_digest(
        published=False, intro=f"See [this]({url}/header) and [that]({url}/both#part).", **fields
    )
    item = factories.make_item(
        digest, kind=MediaItem.Kind.LINK, url=f"{url}/link",
        description=f"Also [here]({url}/anchor), [there]({url}/none), [it]({url}/broken).",
    )  # fmt: skip
    RelatedLink.objects.create(item=item, title="Private", url=f"{url}/private")
    factories.make_item(digest, kind=MediaItem.Kind.LINK, url="http://testserver/2020/01/01/ours/")
    return digest


def publish(digest):
    digest.status = Digest.Status.PUBLISHED
    digest.published_at = timezone.now()
    digest.save()


def outcomes(digest):
    return {
        sent.target.rsplit("/", 1)[1].split("#")[0]: (sent.status, sent.endpoint.split("/", 3)[-1])
        for sent in SentMention.objects.filter(digest=digest)
    }


def test_publishing_sends_a_webmention_to_every_linked_page(pages, run_worker, connections):
    digest = linking_digest(pages.url)
    run_worker()
    assert pages.posts == []  # a draft sends nothing
    publish(digest)
    run_worker()
    source = f"http://testserver{digest.get_absolute_url()}"
    sent = {(path, fields["target"]) for path, fields, _ in pages.posts}
    assert sent == {
        ("/in?from=header", f"{pages.url}/header"),
        ("/in", f"{pages.url}/both"),
        ("/in?from=link", f"{pages.url}/link"),
        ("/in?from=a", f"{pages.url}/anchor"),
        ("/fails", f"{pages.url}/broken"),
    }
    assert {fields["source"] for _, fields, _ in pages.posts} == {source}
    assert {kind for _, _, kind in pages.posts} == {"application/x-www-form-urlencoded"}
    assert outcomes(digest) == {
        "header": (Status.SENT, "in?from=header"),
        "both": (Status.SENT, "in"),
        "link": (Status.SENT, "in?from=link"),
        "anchor": (Status.SENT, "in?from=a"),
        "none": (Status.NO_ENDPOINT, ""),
        "broken": (Status.FAILED, "fails"),
        "private": (Status.FAILED, "in"),
    }
    assert "not a public address" in SentMention.objects.get(target__endswith="/private").error
    assert SentMention.objects.get(target__endswith="/broken").status_code == 500
    assert ("10.9.8.7", 80) not in connections
    assert not SentMention.objects.filter(target__contains="testserver").exists()


def test_saving_again_sends_only_what_changed_or_failed(pages, run_worker):
    digest = linking_digest(pages.url)
    publish(digest)
    run_worker()
    pages.posts.clear()
    digest.save()  # nothing changed
    run_worker()
    assert [path for path, _, _ in pages.posts] == ["/fails"]  # the failed one is tried again

    pages.posts.clear()
    digest.intro = f"Only [this one]({pages.url}/header) now."
    digest.save()
    run_worker()
    sent = sorted(fields["target"].rsplit("/", 1)[1] for _, fields, _ in pages.posts)
    # Every page again (the digest changed), those no longer linked included: they may
    # now find no link and drop the mention.
    assert sent == ["anchor", "both", "broken", "header", "link"]
    # "both" was told it is no longer linked, and then forgotten.
    assert sorted(outcomes(digest)) == ["anchor", "broken", "header", "link", "none", "private"]

    pages.posts.clear()
    digest.intro = f"Still [this one]({pages.url}/header)."
    digest.save()
    run_worker()
    sent = sorted(fields["target"].rsplit("/", 1)[1] for _, fields, _ in pages.posts)
    assert sent == ["anchor", "broken", "header", "link"]


def test_sending_can_be_switched_off_and_imports_send_nothing(pages, settings, run_worker):
    settings.WEBMENTION_SEND = False
    publish(linking_digest(pages.url))
    with not_news():
        settings.WEBMENTION_SEND = True
        publish(linking_digest(pages.url))
    run_worker()
    assert pages.paths == []
    assert not DBTaskResult.objects.filter(task_path__contains="send_webmentions").exists()


def test_a_scheduled_digest_sends_when_its_date_comes(pages, run_worker):
    digest = linking_digest(pages.url)
    digest.status = Digest.Status.PUBLISHED
    digest.published_at = timezone.now() + timezone.timedelta(hours=1)
    digest.save()
    run_worker()
    assert pages.posts == []
    task = DBTaskResult.objects.get(task_path__contains="send_webmentions")
    assert task.run_after == digest.published_at
    # Had it run early (its date moved later), it sends nothing for a digest not yet public.
    assert sending.send_for(digest.pk) is None
