"""Video posters are fetched once, at save time, from a stand-in video host on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from blog.models import MediaItem
from blog.services import PosterError, fetch_video_poster
from tests import factories
from tests.test_admin import digest_post

pytestmark = pytest.mark.django_db

POSTER = factories.image_bytes("JPEG", size=(1280, 720), color=(30, 90, 160))
SMALL_POSTER = factories.image_bytes("JPEG", size=(480, 360), color=(160, 90, 30))


class FakeVideoHost(BaseHTTPRequestHandler):
    """YouTube's poster files and Vimeo's oEmbed answer, as far as the fetcher sees them."""

    requests = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.requests.append(self.path)
        parsed = urlparse(self.path)
        if parsed.path == "/vi/hdvideo0001/maxresdefault.jpg":
            return self.reply(200, "image/jpeg", POSTER)
        if parsed.path.startswith("/vi/") and parsed.path.endswith("/hqdefault.jpg"):
            if "notanimage" in parsed.path:
                return self.reply(200, "text/html", b"<html>Not found</html>")
            return self.reply(200, "image/jpeg", SMALL_POSTER)
        if parsed.path == "/oembed":
            video_url = parse_qs(parsed.query)["url"][0]
            thumb = f"http://{self.headers['Host']}/vimeo-thumb.jpg?for={video_url}"
            if video_url.endswith("/66666666"):  # an answer pointing into the cloud's network
                thumb = "http://169.254.169.254/latest/meta-data/"
            return self.reply(
                200, "application/json", json.dumps({"thumbnail_url": thumb}).encode()
            )
        if parsed.path == "/vimeo-thumb.jpg":
            return self.reply(200, "image/jpeg", POSTER)
        return self.reply(404, "text/plain", b"not found")

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def video_host(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeVideoHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.BLOG_FETCH_VIDEO_POSTERS = True
    settings.FETCH_ALLOWED_PRIVATE = [f"127.0.0.1:{server.server_port}"]
    settings.BLOG_VIDEO_POSTER_SOURCES = {
        "youtube": (f"{base}/vi/{{id}}/maxresdefault.jpg", f"{base}/vi/{{id}}/hqdefault.jpg"),
        "vimeo": f"{base}/oembed?url={{url}}",
    }
    FakeVideoHost.requests = []
    yield FakeVideoHost.requests
    server.shutdown()
    server.server_close()


def stored_size(item):
    item.refresh_from_db()
    with Image.open(item.image.path) as image:
        return image.size


def test_youtube_poster_prefers_the_large_frame(digest, video_host):
    item = factories.make_item(digest, url="https://youtu.be/hdvideo0001")
    fetch_video_poster(item)
    assert stored_size(item) == (1280, 720)
    assert item.decorative
    assert item.image.name.startswith("items/") and item.image.name.endswith(".jpg")


def test_youtube_poster_falls_back_to_the_small_frame(digest, video_host):
    item = factories.make_item(digest, url="https://www.youtube.com/watch?v=sdvideo0002")
    fetch_video_poster(item)
    assert stored_size(item) == (480, 360)
    assert video_host == ["/vi/sdvideo0002/maxresdefault.jpg", "/vi/sdvideo0002/hqdefault.jpg"]


def test_vimeo_poster_comes_through_oembed(digest, video_host):
    item = factories.make_item(digest, url="https://vimeo.com/76979871")
    fetch_video_poster(item)
    assert stored_size(item) == (1280, 720)
    assert video_host[0].startswith("/oembed?url=https%3A%2F%2Fvimeo.com%2F76979871")


def test_something_that_is_not_an_image_is_refused(digest, video_host, media_root):
    item = factories.make_item(digest, url="https://youtu.be/notanimage1")
    with pytest.raises(PosterError, match="hqdefault.jpg: This file is SVG or HTML"):
        fetch_video_poster(item)
    item.refresh_from_db()
    assert not item.image
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_poster_host_on_a_private_address_is_not_asked(digest, video_host, settings, connections):
    settings.FETCH_ALLOWED_PRIVATE = []  # the stand-in is just another loopback port now
    item = factories.make_item(digest, url="https://youtu.be/hdvideo0001")
    with pytest.raises(
        PosterError, match=r"^127.0.0.1 is not a public address, so it was not fetched$"
    ):
        fetch_video_poster(item)
    assert video_host == [] and connections == []
    item.refresh_from_db()
    assert not item.image


def test_a_vimeo_thumbnail_on_the_metadata_address_is_not_fetched(
    digest, video_host, settings, connections
):
    item = factories.make_item(digest, url="https://vimeo.com/66666666")
    with pytest.raises(PosterError, match="169.254.169.254 is not a public address"):
        fetch_video_poster(item)
    port = int(settings.FETCH_ALLOWED_PRIVATE[0].rsplit(":", 1)[1])
    assert connections == [("127.0.0.1", port)], "only the oEmbed answer was asked for"
    assert not item.image


def test_digest_page_shows_the_fetched_poster_from_our_own_server(client, video_host):
    digest = factories.make_digest("With poster")
    item = factories.make_item(digest, title="Talk", url="https://youtu.be/hdvideo0001")
    fetch_video_poster(item)
    page = client.get(digest.get_absolute_url()).content.decode()
    facade = page.split('class="video__link"', 1)[1].split("</a>", 1)[0]
    assert '<img src="/media/' in facade
    assert "127.0.0.1" not in facade and "ytimg" not in facade


def test_saving_in_the_admin_fetches_missing_posters(
    client, editor, video_host, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    items = [
        {"title": "HD talk", "url": "https://youtu.be/hdvideo0001"},
        {"title": "Broken", "url": "https://youtu.be/notanimage1", "position": "1"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:blog_digest_add"), digest_post(items))
    assert response.status_code == 302
    assert stored_size(MediaItem.objects.get(title="HD talk")) == (1280, 720)
    assert not MediaItem.objects.get(title="Broken").image
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("No poster could be fetched for “Broken”" in m for m in warnings), warnings


def test_a_refused_poster_address_is_explained_and_the_item_saved(
    client, editor, video_host, settings, django_capture_on_commit_callbacks
):
    settings.FETCH_ALLOWED_PRIVATE = []
    client.force_login(editor)
    items = [{"title": "Talk", "url": "https://youtu.be/hdvideo0001"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:blog_digest_add"), digest_post(items))
    assert response.status_code == 302
    [warning] = [str(m) for m in get_messages(response.wsgi_request)][-1:]
    assert warning == (
        "No poster could be fetched for “Talk” (127.0.0.1 is not a public address, so it was "
        "not fetched). The video shows a plain placeholder; upload a poster image, or save "
        "again later to retry."
    )
    assert not MediaItem.objects.get(title="Talk").image
    assert video_host == []


def test_nothing_is_fetched_when_switched_off(
    client, editor, video_host, settings, django_capture_on_commit_callbacks
):
    settings.BLOG_FETCH_VIDEO_POSTERS = False
    client.force_login(editor)
    items = [{"title": "HD talk", "url": "https://youtu.be/hdvideo0001"}]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:blog_digest_add"), digest_post(items))
    assert video_host == []
    assert not MediaItem.objects.get(title="HD talk").image


def test_command_fetches_posters_for_items_without_one(digest, video_host, capsys):
    factories.make_item(digest, url="https://youtu.be/hdvideo0001")
    factories.make_item(digest, url="https://youtu.be/notanimage1")
    factories.make_item(digest, kind=MediaItem.Kind.ARTICLE)
    call_command("fetch_video_posters")
    out, err = capsys.readouterr()
    assert "Fetched 1 poster; 1 failed." in out
    assert "notanimage1" in err
