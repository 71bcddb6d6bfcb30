"""Receiving webmentions: the endpoint's checks, verification of the source by the worker
(a loopback stand-in serves the source pages), moderation, and what readers then see."""

import contextlib
from http.server import BaseHTTPRequestHandler

import pytest
import requests
from django.urls import reverse

from comments.models import DigestComment
from mentions import receiving
from mentions.models import Mention
from tests import factories, loopback

ENDPOINT = "/webmention/"


class Source(BaseHTTPRequestHandler):
    """Serves server.pages[path] = (status, content type, body bytes)."""

    def do_GET(self):
        self.server.paths.append(self.path)
        status, kind, body = self.server.pages.get(self.path, (404, "text/plain", b"missing"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the fetcher hung up on a page too large
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def source_site(settings):
    with loopback.serve(Source) as server:
        server.pages = {}
        server.url = f"http://127.0.0.1:{server.server_port}"
        settings.FETCH_ALLOWED_PRIVATE = [f"127.0.0.1:{server.server_port}"]
        yield server


def reply_page(target, text="Great digest, <em>thanks</em>!", name="Ada Example"):
    return f"""<!doctype html><html><head><title>A reply</title></head><body>
<article class="h-entry">
  <a class="u-in-reply-to" href="{target}">In reply to a digest</a>
  <div class="p-author h-card"><img class="u-photo" src="/ada.png" alt="">
    <a class="p-name u-url" href="https://ada.example/">{name}</a></div>
  <div class="e-content">{text}</div>
  <time class="dt-published" datetime="2026-11-30T10:00:00+00:00">30 Nov</time>
</article></body></html>""".encode()


def mention_page(target, title="Links I liked this week"):
    return f"""<!doctype html><html><head><title>{title}</title></head><body>
<p>See <a href="{target}#item-1">this digest</a>.</p></body></html>""".encode()


def target_of(digest):
    return f"http://testserver{digest.get_absolute_url()}"


def post(client, source, target, **extra):
    return client.post(ENDPOINT, {"source": source, "target": target}, **extra)


def received(client, source, target, django_capture_on_commit_callbacks):
    """POST a mention, then verify it as the worker's task would; the mention."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, source, target)
    assert response.status_code == 202, response.content
    mention = Mention.objects.get(source=source)
    receiving.verify(mention.pk)
    mention.refresh_from_db()
    return mention


# Discovery -----------------------------------------------------------------------------


def test_digest_pages_advertise_the_endpoint_in_a_header_and_a_link(client, digest):
    for _ in range(2):  # rendered, then from the page cache
        response = client.get(digest.get_absolute_url())
        assert response["Link"].count('rel="webmention"') == 1
        assert response["Link"] == '<http://testserver/webmention/>; rel="webmention"'
        assert b'<link rel="webmention" href="/webmention/">' in response.content
    assert 'rel="webmention"' not in client.get("/").get("Link", "")


# Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "{target}"}, "source is missing"),
        ({"source": "https://elsewhere.example/post"}, "target is missing"),
        ({"source": "   ", "target": "{target}"}, "source is missing"),
        ({"source": "ftp://elsewhere.example/post", "target": "{target}"}, "source must be"),
        ({"source": "not an address", "target": "{target}"}, "source must be"),
        ({"source": "javascript:alert(1)", "target": "{target}"}, "source must be"),
        ({"source": "https://e.example/" + "a" * 500, "target": "{target}"}, "source must be"),
        ({"source": "https://e.example/\x00", "target": "{target}"}, "source is missing"),
        ({"source": "https://elsewhere.example/", "target": "https://other.example/"}, "not one"),
        ({"source": "https://elsewhere.example/", "target": "http://testserver/"}, "not one"),
        ({"source": "https://elsewhere.example/", "target": "{draft}"}, "not one"),
        ({"source": "https://elsewhere.example/", "target": "{target}feed/"}, "not one"),
        ({"source": "{target}", "target": "{target}"}, "same page"),
        ({"source": "https://testserver{path}#c1", "target": "{target}"}, "same page"),
        ({"source": "http://127.0.0.1:8000/", "target": "{target}"}, "not at a public address"),
        ({"source": "http://10.1.2.3/post", "target": "{target}"}, "not at a public address"),
        ({"source": "http://[::1]/post", "target": "{target}"}, "not at a public address"),
        ({"source": "http://localhost/post", "target": "{target}"}, "not at a public address"),
        ({"source": "http://169.254.169.254/", "target": "{target}"}, "not at a public address"),
    ],
)
def test_bad_input_is_refused_with_400_and_nothing_is_stored(client, digest, fields, message):
    draft = factories.make_digest(published=False)
    draft.published_at = digest.published_at
    values = {
        "target": target_of(digest),
        "draft": f"http://testserver/{digest.published_at:%Y/%m/%d}/{draft.slug}/",
        "path": digest.get_absolute_url(),
    }
    data = {name: value.format(**values) for name, value in fields.items()}
    response = client.post(ENDPOINT, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert not Mention.objects.exists()


def test_the_endpoint_takes_only_post(client, digest):
    assert client.get(ENDPOINT).status_code == 405


def test_strangers_are_rate_limited(client, digest, settings):
    settings.WEBMENTION_RATE_LIMIT = (2, 600)
    for n in range(2):
        assert post(client, f"https://e.example/{n}", target_of(digest)).status_code == 202
    refused = post(client, "https://e.example/3", target_of(digest))
    assert refused.status_code == 429
    assert "at most 2 every 10 minutes" in refused.content.decode()
    assert Mention.objects.count() == 2


# Verification --------------------------------------------------------------------------


def test_a_reply_becomes_a_held_comment_then_public_when_approved(
    client, digest, source_site, django_capture_on_commit_callbacks, editor
):
    text = 'Nice! <script>alert("x")</script><a href="javascript:alert(1)" onclick="x()">me</a>'
    source_site.pages["/reply"] = (
        200,
        "text/html; charset=utf-8",
        reply_page(target_of(digest), text),
    )
    mention = received(
        client, f"{source_site.url}/reply", target_of(digest), django_capture_on_commit_callbacks
    )
    assert mention.state == Mention.State.HELD
    assert mention.kind == Mention.Kind.REPLY
    assert (mention.author_name, mention.author_url) == ("Ada Example", "https://ada.example/")
    assert mention.author_photo == f"{source_site.url}/ada.png"
    comment = mention.comment
    assert comment.state == DigestComment.State.HELD
    assert "<script" not in comment.comment_html and "javascript:" not in comment.comment_html
    assert "onclick" not in comment.comment_html
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "Ada Example" not in page

    client.force_login(editor)
    admin = reverse("admin:mentions_mention_changelist")
    assert "Comment: Awaiting moderation" in client.get(admin).content.decode()
    client.post(admin, {"action": "approve", "_selected_action": [mention.pk]})
    client.logout()
    comment.refresh_from_db()
    assert comment.state == DigestComment.State.PUBLIC
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'href="https://ada.example/" rel="nofollow ugc noopener"><bdi>Ada Example</bdi>' in page
    assert "Nice!" in page and 'alert("x")' not in page and "<script>alert" not in page
    assert 'id="mentions"' not in page  # a reply is a comment, not a mention


def test_a_plain_mention_is_listed_under_the_digest_once_approved(
    client, digest, source_site, django_capture_on_commit_callbacks
):
    title = 'Links I liked <img src=x onerror="alert(1)">'
    page = mention_page(target_of(digest), title=title.replace("<", "&lt;"))
    source_site.pages["/week"] = (200, "text/html", page)
    mention = received(
        client, f"{source_site.url}/week", target_of(digest), django_capture_on_commit_callbacks
    )
    assert (mention.state, mention.kind, mention.title) == (Mention.State.HELD, "mention", title)
    assert "Mentions" not in client.get(digest.get_absolute_url()).content.decode()
    mention.state = Mention.State.PUBLIC
    mention.save()
    html = client.get(digest.get_absolute_url()).content.decode()
    assert '<h2 id="mentions-title">Mentions</h2>' in html
    assert f'<a href="{source_site.url}/week" rel="nofollow ugc noopener">' in html
    assert "Links I liked &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<img src=x" not in html
    assert '<span class="mention__kind">Mention</span>' in html
    # Kept for every reader (mentions.shown) only until it changes.
    mention.delete()
    assert "Mentions" not in client.get(digest.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ((200, "text/html", b"<p>No link to anything here.</p>"), "does not link"),
        ((200, "text/html", b"<p>" + b"x" * 1_200_000 + b"</p>"), "larger than"),
        ((500, "text/html", b"oops"), "answered 500"),
        ((200, "application/pdf", b"%PDF-1.4"), "not a web page"),
    ],
)
def test_a_source_that_does_not_verify_is_rejected_and_never_shown(
    client, digest, source_site, django_capture_on_commit_callbacks, page, reason
):
    if reason == "does not link":
        page = (200, "text/html", page[2] + f'<a href="{target_of(digest)}x">other</a>'.encode())
    source_site.pages["/p"] = page
    mention = received(
        client, f"{source_site.url}/p", target_of(digest), django_capture_on_commit_callbacks
    )
    assert mention.state == Mention.State.REJECTED
    assert reason in mention.reason
    assert mention.comment is None and not DigestComment.objects.exists()


def test_a_plain_text_source_counts_when_it_names_the_target(
    client, digest, source_site, django_capture_on_commit_callbacks
):
    body = f"I read ({target_of(digest)}) today.".encode()
    source_site.pages["/t.txt"] = (200, "text/plain", body)
    mention = received(
        client, f"{source_site.url}/t.txt", target_of(digest), django_capture_on_commit_callbacks
    )
    assert mention.state == Mention.State.HELD


def test_a_name_that_resolves_to_a_private_address_is_never_fetched(
    client, digest, connections, django_capture_on_commit_callbacks
):
    mention = received(
        client,
        "http://ip6-localhost:8000/post",
        target_of(digest),
        django_capture_on_commit_callbacks,
    )
    assert mention.state == Mention.State.REJECTED
    assert connections == []


def test_a_repeated_mention_is_verified_again_updated_then_removed(
    client, digest, source_site, django_capture_on_commit_callbacks
):
    source, target = f"{source_site.url}/reply", target_of(digest)
    source_site.pages["/reply"] = (200, "text/html", reply_page(target, "First words"))
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    mention.comment.state = DigestComment.State.PUBLIC
    mention.comment.save()

    source_site.pages["/reply"] = (200, "text/html", reply_page(target, "Second thoughts"))
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    assert Mention.objects.count() == 1 and DigestComment.objects.count() == 1
    assert mention.comment.comment == "Second thoughts"
    assert mention.comment.state == DigestComment.State.PUBLIC
    assert "Second thoughts" in client.get(digest.get_absolute_url()).content.decode()

    DigestComment.objects.filter(pk=mention.comment.pk).set_state(DigestComment.State.SPAM)
    source_site.pages["/reply"] = (200, "text/html", reply_page(target, "Buy now"))
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    assert mention.comment.state == DigestComment.State.SPAM  # the editor's word stands

    source_site.pages["/reply"] = (200, "text/html", b"<p>Deleted my reply.</p>")
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    assert mention.state == Mention.State.REMOVED
    assert not DigestComment.objects.exists()
    assert "Second thoughts" not in client.get(digest.get_absolute_url()).content.decode()


def test_a_source_that_is_gone_takes_its_public_mention_down(
    client, digest, source_site, django_capture_on_commit_callbacks
):
    source, target = f"{source_site.url}/week", target_of(digest)
    source_site.pages["/week"] = (200, "text/html", mention_page(target, "Week 48"))
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    mention.state = Mention.State.PUBLIC
    mention.save()
    assert "Week 48" in client.get(digest.get_absolute_url()).content.decode()
    source_site.pages["/week"] = (410, "text/html", b"gone")
    mention = received(client, source, target, django_capture_on_commit_callbacks)
    assert mention.state == Mention.State.REMOVED
    assert "Week 48" not in client.get(digest.get_absolute_url()).content.decode()


# End to end: an independent client, the real worker ------------------------------------


def test_a_stand_in_sender_round_trip(live_server, source_site, run_worker, sent_mail, settings):
    digest = factories.make_digest("Reading list")
    factories.make_editor()
    target = f"{live_server.url}{digest.get_absolute_url()}"
    page = requests.get(target, timeout=10)
    endpoint = requests.compat.urljoin(target, page.links["webmention"]["url"])
    source_site.pages["/r"] = (200, "text/html", reply_page(target, "Loved item 2."))

    answer = requests.post(
        endpoint, data={"source": f"{source_site.url}/r", "target": target}, timeout=10
    )
    assert answer.status_code == 202
    assert "Loved item 2." not in requests.get(target, timeout=10).text
    mails = sent_mail()  # runs the worker: the source is verified, editors are told
    assert source_site.paths == ["/r"]
    assert any("Loved item 2." in mail.body for mail in mails)

    mention = Mention.objects.get()
    assert mention.state == Mention.State.HELD
    from comments.actions import move

    move(mention.comment, DigestComment.State.PUBLIC)
    assert "Loved item 2." in requests.get(target, timeout=10).text


def test_a_long_reply_is_cut_as_text_and_long_addresses_fit_the_comment(
    client, digest, source_site, django_capture_on_commit_callbacks, settings
):
    settings.COMMENTS_BODY_MAX_LENGTH = 500
    page = reply_page(target_of(digest), "<p>" + "word " * 400 + "</p>").replace(
        b"https://ada.example/", b"https://ada.example/" + b"x" * 300
    )
    source_site.pages["/" + "long" * 50] = (200, "text/html", page)
    source = f"{source_site.url}/{'long' * 50}"
    mention = received(client, source, target_of(digest), django_capture_on_commit_callbacks)
    comment = mention.comment
    assert len(comment.comment) <= 500 and comment.comment.endswith("…")
    assert comment.comment_html.startswith("<p>word word")
    assert len(mention.author_url) > 300  # kept on the mention, for editors
    assert comment.user_url == ""  # neither it nor the source fits django-comments' 200
