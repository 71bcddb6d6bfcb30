"""A loopback stand-in for the sites an editor links to: a video host's oEmbed endpoint,
articles (OpenGraph, JSON-LD only, nothing, hostile), arXiv's and a DOI agency's APIs, a
redirect to a private address, a 50 MB body and a slow server. Used by the composer tests,
the browser tests and tools/bench_unfurl.py; it never reaches outside the machine.
"""

import io
import json
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests import loopback

VIDEO_TITLE = "The Quantum Universe"
CHANNEL = "World Science Festival"
ARTICLE_TITLE = "How the brain keeps time"
ARTICLE_SITE = "Quanta Magazine"
ARTICLE_AUTHOR = "Natalie Wolchover"
ARTICLE_DESCRIPTION = (
    "Neurons fire in sequences that work like clocks. Researchers found the circuit that "
    "sets their pace. " + "It is long. " * 60
)
LD_TITLE = "A history of the transistor"
# The SSRF list: every path that fetches refuses these, directly and at a redirect.
PRIVATE = [
    "http://127.0.0.1/",
    "http://[::1]/",
    "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost/",  # a name resolving to loopback
]
PAPER_TITLE = "Attention Is All You Need"


def picture(size=(640, 360), color=(40, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


POSTER = picture()
OG_IMAGE = picture((1200, 630), (200, 120, 40))


def page(head, body=""):
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


class LinkSite(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.server.paths.append(self.path)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        base = f"http://{self.headers['Host']}"
        name = parts.path.strip("/").split("/")[0].replace("-", "_").replace(".", "_")
        route = getattr(self, f"route_{name}", None)
        if route is None:
            return self.reply(404, "text/plain", b"not found")
        return route(base, query, parts.path)

    def route_oembed(self, base, query, path):
        answer = {
            "type": "video",
            "title": VIDEO_TITLE,
            "author_name": CHANNEL,
            "thumbnail_url": f"{base}/poster.jpg",
            "html": "<iframe src='https://www.youtube.com/embed/x'></iframe>",
        }
        return self.reply(200, "application/json", json.dumps(answer).encode())

    def route_poster_jpg(self, base, query, path):
        return self.reply(200, "image/jpeg", POSTER)

    def route_og_jpg(self, base, query, path):
        return self.reply(200, "image/jpeg", OG_IMAGE)

    def route_article(self, base, query, path):
        head = (
            f"<title>Ignored | {ARTICLE_SITE}</title>"
            f'<meta property="og:title" content="{ARTICLE_TITLE}">'
            f'<meta property="og:site_name" content="{ARTICLE_SITE}">'
            f'<meta property="og:description" content="{ARTICLE_DESCRIPTION}">'
            '<meta property="og:image" content="/og.jpg">'
            f'<meta name="author" content="{ARTICLE_AUTHOR}">'
        )
        return self.reply(200, "text/html; charset=utf-8", page(head, "<p>Text</p>"))

    def route_jsonld(self, base, query, path):
        data = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": "Ars"},
                {
                    "@type": "NewsArticle",
                    "headline": LD_TITLE,
                    "description": "From point contacts to planar chips. And on.",
                    "author": [{"@type": "Person", "name": "Ada Lovelace"}],
                    "publisher": {"@type": "Organization", "name": "Ars Technica"},
                },
            ],
        }
        head = f'<script type="application/ld+json">{json.dumps(data)}</script>'
        return self.reply(200, "text/html", page(head))

    def route_nothing(self, base, query, path):
        return self.reply(200, "text/html", page("", "<p>Just text.</p>"))

    def route_plain(self, base, query, path):
        head = "<title>Only a title</title><meta name='description' content='Short. Two.'>"
        return self.reply(200, "text/html", page(head))

    def route_hostile(self, base, query, path):
        title = "&lt;script&gt;alert(1)&lt;/script&gt;<b>Bold</b> claim\x07\x1b[31m"
        description = "<img src=x onerror=alert(1)>Words. " + "x" * 100_000
        head = (
            f"<title>{title}</title>"
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:description" content="{description}">'
            '<meta property="og:image" content="http://169.254.169.254/latest/meta-data/">'
        )
        return self.reply(200, "text/html", page(head))

    def route_svg_image(self, base, query, path):
        head = "<title>A picture</title><meta property='og:image' content='/drawing'>"
        return self.reply(200, "text/html", page(head))

    def route_drawing(self, base, query, path):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        return self.reply(200, "image/jpeg", svg)

    def route_arxiv(self, base, query, path):
        feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<title>{PAPER_TITLE}</title>
<summary>The dominant sequence transduction models are based on recurrent networks. We
propose the Transformer. It is simple.</summary>
<author><name>Ashish Vaswani</name></author><author><name>Noam Shazeer</name></author>
</entry></feed>"""
        return self.reply(200, "application/atom+xml", feed.encode())

    def route_doi(self, base, query, path):
        record = {
            "title": "Deep learning",
            "author": [
                {"given": "Yann", "family": "LeCun"},
                {"given": "Yoshua", "family": "Bengio"},
            ],
            "abstract": "<jats:p>Deep learning allows computational models to learn.</jats:p>",
        }
        return self.reply(
            200, "application/vnd.citationstyles.csl+json", json.dumps(record).encode()
        )

    def route_to_private(self, base, query, path):
        target = query.get("to", ["http://127.0.0.1:9/"])[0]
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_huge(self, base, query, path):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"<p>" + b"a" * 65_536 + b"</p>"
        try:
            for _ in range(50 * 1024 * 1024 // len(chunk)):  # 50 MB, unless cut off
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass

    def route_slow(self, base, query, path):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(20):  # a byte every half second: 10 s, unless cut off
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def link_site(settings):
    """The stand-in on a loopback port, with the settings pointing at it; its base address."""
    with loopback.serve(LinkSite) as server:
        port = server.server_address[1]
        base = f"http://127.0.0.1:{port}"
        settings.COMPOSER_FETCH_LINKS = True
        settings.FETCH_ALLOWED_PRIVATE = [f"127.0.0.1:{port}"]
        settings.COMPOSER_OEMBED_ENDPOINTS = {
            "youtube": f"{base}/oembed",
            "vimeo": f"{base}/oembed",
        }
        settings.COMPOSER_ARXIV_API = f"{base}/arxiv"
        settings.COMPOSER_DOI_API = f"{base}/doi/"
        server.base = base
        yield server
