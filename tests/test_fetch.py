"""The server's own requests (blog.fetch) against real servers on loopback ports.

Private addresses are refused before anything is sent: the `connections` record (an
audit hook on socket.connect) shows they were never even tried, so no test sends a packet
to 10.x, 169.254.x or 100.64.x. Every name looked up is a loopback name.
"""

import gzip
import ipaddress
import json
import os
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme

from blog import fetch
from tests import loopback

CAP = 1000
REFUSED = "not a public address, so it was not fetched"


class Site(BaseHTTPRequestHandler):
    """A small web site: a page, redirects, big, slow and dripping answers."""

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.server.paths.append(self.path)
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        size = int(query.get("size", CAP + 1))
        if parts.path == "/page":
            seen = {name: self.headers.get(name) for name in ("Host", "Accept", "User-Agent")}
            return self.reply(200, json.dumps(seen).encode(), "application/json")
        if parts.path.startswith("/hops/"):
            left = int(parts.path.removeprefix("/hops/"))
            if left:
                return self.reply(302, headers={"Location": f"/hops/{left - 1}"})
            return self.reply(200, b"arrived")
        if parts.path == "/to":
            return self.reply(302, headers={"Location": query["url"]})
        if parts.path == "/sized":  # with Content-Length
            return self.reply(200, b"x" * size)
        if parts.path == "/streamed":  # without: the body ends when the connection closes
            return self.stream([b"x" * 100] * (size // 100) + [b"x" * (size % 100)])
        if parts.path == "/bomb":  # small on the wire, large once unpacked
            body = gzip.compress(b"\0" * (CAP * 100))
            return self.reply(200, body, headers={"Content-Encoding": "gzip"})
        if parts.path == "/slow":
            time.sleep(3)
            return self.reply(200, b"late")
        if parts.path == "/drip":
            return self.stream(self.drip())
        return self.reply(404, b"not found")

    def do_POST(self):  # noqa: N802
        self.server.paths.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/to":
            return self.reply(307, headers={"Location": "/inbox"})
        seen = {name: self.headers.get(name) for name in ("Host", "Signature", "User-Agent")}
        return self.reply(202, json.dumps({**seen, "body": body.decode()}).encode())

    def drip(self):
        for _ in range(100):
            time.sleep(0.05)
            yield b"x"

    def reply(self, status, body=b"", content_type="text/plain", headers=None):
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))} | (headers or {})
        self.stream([body], status, headers)

    def stream(self, chunks, status=200, headers=None):
        """Send chunks as they come; without a Content-Length the closed connection ends them."""
        try:
            self.send_response(status)
            for name, value in (headers or {"Content-Type": "text/plain"}).items():
                self.send_header(name, value)
            self.end_headers()
            for chunk in chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            pass  # the fetcher hung up (too slow, too big), as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def site(settings):
    """The loopback server whose port FETCH_ALLOWED_PRIVATE lets through."""
    with loopback.serve(Site) as server:
        server.url = f"http://127.0.0.1:{server.server_port}"
        settings.FETCH_ALLOWED_PRIVATE = [f"127.0.0.1:{server.server_port}"]
        yield server


@pytest.fixture
def other_site():
    """A second loopback server, on a port nobody allowed."""
    with loopback.serve(Site) as server:
        yield server


@pytest.fixture
def ipv6_site():
    with loopback.serve(Site, host="::1") as server:
        yield server


def get(url, **kwargs):
    return fetch.get(url, max_bytes=CAP, **kwargs)


def assert_refused(url, connections, match=REFUSED):
    with pytest.raises(fetch.FetchError, match=match):
        get(url)
    assert connections == [], f"{url} was refused only after connecting to {connections}"


# What is fetched ---------------------------------------------------------------------


def test_an_allowed_loopback_port_is_fetched(site, connections):
    answer = get(f"{site.url}/page?q=1#part", accept="image/*")
    assert answer.status == 200
    assert answer.url == f"{site.url}/page?q=1"
    assert answer.headers["Content-Type"] == "application/json"
    seen = json.loads(answer.body)
    assert seen["Host"] == f"127.0.0.1:{site.server_port}"
    assert seen["Accept"] == "image/*"
    assert seen["User-Agent"] == "digestblog"
    assert connections == [("127.0.0.1", site.server_port)]


def test_a_name_is_reached_at_its_checked_address_with_its_own_host_header(
    site, settings, connections
):
    settings.FETCH_ALLOWED_PRIVATE = [f"LocalHost:{site.server_port}"]
    seen = json.loads(get(f"http://localhost:{site.server_port}/page").body)
    assert seen["Host"] == f"localhost:{site.server_port}"
    assert connections == [("127.0.0.1", site.server_port)]
    # The pair is exact: the same port by its address is not on the list.
    connections.clear()
    assert_refused(f"{site.url}/page", connections)


def test_an_error_status_is_returned_and_raised_on_request(site):
    answer = get(f"{site.url}/missing")
    assert (answer.status, answer.body) == (404, b"not found")
    with pytest.raises(fetch.FetchError, match=r"/missing answered 404"):
        answer.raise_for_status()


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1"])
def test_public_addresses_are_public(address):
    assert fetch.is_public(ipaddress.ip_address(address))


# What is refused before connecting -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.1.1:8080/admin",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://192.0.0.8/",  # IETF protocol assignments
        "http://[fd00::1]/",  # unique local
        "http://[fe80::1]/",  # link-local
        "http://[ff02::1]/",  # multicast
        "http://[::]/",
        "http://[2002:a00:1::]/",  # 6to4 around 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo
    ],
)
def test_private_addresses_are_refused_without_connecting(url, site, connections):
    assert_refused(url, connections)


def test_loopback_on_a_port_not_allowed_is_refused(site, other_site, connections):
    port = other_site.server_port
    with pytest.raises(fetch.FetchError, match=r"^localhost \(at 127.0.0.1\) is not a public"):
        get(f"http://localhost:{port}/page")
    for url in [
        f"http://127.0.0.1:{port}/page",
        f"http://localhost:{port}/page",  # a name for 127.0.0.1
        f"http://2130706433:{port}/page",  # 127.0.0.1 as one number
        f"http://127.1:{port}/page",
        f"http://[::ffff:127.0.0.1]:{site.server_port}/page",  # IPv4-mapped, even that port
    ]:
        assert_refused(url, connections)
    assert other_site.paths == [] and site.paths == []


def test_ipv6_loopback_is_refused(ipv6_site, connections):
    assert_refused(f"http://[::1]:{ipv6_site.server_port}/page", connections)
    assert ipv6_site.paths == []


def test_a_name_for_ipv6_loopback_is_refused(ipv6_site, connections):
    try:
        found = {info[4][0] for info in socket.getaddrinfo("ip6-localhost", None)}
    except socket.gaierror:
        found = set()
    if found != {"::1"}:
        if os.environ.get("CI"):
            pytest.fail("ip6-localhost does not resolve to ::1: .ci/run adds it to /etc/hosts")
        pytest.skip("ip6-localhost is not in /etc/hosts here (.ci/run adds it)")
    assert_refused(f"http://ip6-localhost:{ipv6_site.server_port}/page", connections)
    assert ipv6_site.paths == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/",
        "ftp://127.0.0.1:{port}/",
        "javascript:alert(1)",
        "http:///page",
        "/page",
    ],
)
def test_other_schemes_are_refused(url, site, connections):
    assert_refused(url.format(port=site.server_port), connections, "is not an http")
    assert site.paths == []


# Redirects ---------------------------------------------------------------------------


def test_three_redirects_are_followed(site):
    answer = get(f"{site.url}/hops/3")
    assert (answer.status, answer.body, answer.url) == (200, b"arrived", f"{site.url}/hops/0")
    assert site.paths == ["/hops/3", "/hops/2", "/hops/1", "/hops/0"]


def test_a_fourth_redirect_is_refused(site):
    with pytest.raises(fetch.FetchError, match=r"/hops/4: more than 3 redirects"):
        get(f"{site.url}/hops/4")
    assert site.paths == ["/hops/4", "/hops/3", "/hops/2", "/hops/1"]


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ("http://127.0.0.1:{other}/page", REFUSED),
        ("http://localhost:{other}/page", REFUSED),
        ("http://169.254.169.254/latest/meta-data/", REFUSED),
        ("http://10.0.0.1/", REFUSED),
        ("file:///etc/passwd", "is not an http"),
    ],
)
def test_every_redirect_is_checked_again(target, match, site, other_site, connections):
    target = target.format(other=other_site.server_port)
    with pytest.raises(fetch.FetchError, match=match):
        get(f"{site.url}/to?url={target}")
    assert connections == [("127.0.0.1", site.server_port)], (
        f"the redirect to {target} was followed to {connections[1:]}"
    )
    assert other_site.paths == []


# Size and time -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sized", "/streamed"])
def test_a_body_up_to_the_cap_is_fetched(site, path):
    assert get(f"{site.url}{path}?size={CAP}").body == b"x" * CAP


@pytest.mark.parametrize("path", ["/sized", "/streamed", "/bomb"])
def test_a_body_over_the_cap_is_refused(site, path):
    with pytest.raises(fetch.FetchError, match=f"is larger than {CAP} bytes"):
        get(f"{site.url}{path}")


def test_a_server_that_does_not_answer_in_time_is_given_up(site, settings):
    settings.FETCH_TIMEOUT = 0.5
    with pytest.raises(fetch.FetchError, match=r"/slow did not answer in time"):
        get(f"{site.url}/slow")


def test_a_body_that_drips_past_the_deadline_is_given_up(site, settings):
    settings.FETCH_TIMEOUT = 0.5
    with pytest.raises(fetch.FetchError, match=r"/drip did not arrive within 0.5 s"):
        get(f"{site.url}/drip")


# https -------------------------------------------------------------------------------


@pytest.fixture
def certificate_authority(tmp_path, monkeypatch):
    """A throwaway CA that OpenSSL's default verify paths (SSL_CERT_FILE) trust."""
    ca = trustme.CA()
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return ca


def tls_site(ca, name, names_asked):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)
    context.sni_callback = lambda sock, server_name, ctx: names_asked.append(server_name)
    return loopback.serve(Site, wrap=lambda sock: context.wrap_socket(sock, server_side=True))


def test_https_sends_the_name_for_sni_and_checks_the_certificate_for_it(
    certificate_authority, settings, connections
):
    names_asked = []
    with tls_site(certificate_authority, "localhost", names_asked) as server:
        settings.FETCH_ALLOWED_PRIVATE = [f"localhost:{server.server_port}"]
        answer = get(f"https://localhost:{server.server_port}/page")
    assert json.loads(answer.body)["Host"] == f"localhost:{server.server_port}"
    assert names_asked == ["localhost"]
    assert connections == [("127.0.0.1", server.server_port)]


def test_https_refuses_a_certificate_for_another_name(certificate_authority, settings):
    with tls_site(certificate_authority, "elsewhere.example", []) as server:
        settings.FETCH_ALLOWED_PRIVATE = [f"localhost:{server.server_port}"]
        with pytest.raises(fetch.FetchError, match="localhost"):
            get(f"https://localhost:{server.server_port}/page")
        assert server.paths == []


def test_https_refuses_an_untrusted_certificate(settings):
    with tls_site(trustme.CA(), "localhost", []) as server:
        settings.FETCH_ALLOWED_PRIVATE = [f"localhost:{server.server_port}"]
        with pytest.raises(fetch.FetchError, match="certificate verify failed"):
            get(f"https://localhost:{server.server_port}/page")
        assert server.paths == []


# Sending (fediverse deliveries) ----------------------------------------------------------


def test_a_post_sends_its_body_and_headers_to_an_allowed_port(site):
    url = f"{site.url}/inbox"
    answer = fetch.post(url, b'{"a": 1}', headers={"Signature": "sig"}, max_bytes=CAP)
    assert answer.status == 202
    seen = json.loads(answer.body)
    assert seen == {"Host": fetch.request_host(url), "Signature": "sig",
                    "User-Agent": "digestblog", "body": '{"a": 1}'}  # fmt: skip


def test_a_post_is_not_sent_on_to_where_a_redirect_points(site):
    answer = fetch.post(f"{site.url}/to", b"x", headers={}, max_bytes=CAP)
    assert answer.status == 307 and site.paths == ["/to"]


@pytest.mark.parametrize("url", ["http://10.0.0.1/inbox", "http://[::1]:9/inbox"])
def test_a_post_to_a_private_address_is_refused_without_connecting(url, site, connections):
    with pytest.raises(fetch.FetchError, match=REFUSED):
        fetch.post(url, b"x", headers={}, max_bytes=CAP)
    assert connections == []


def test_a_post_to_a_loopback_port_not_allowed_is_refused(site, other_site, connections):
    with pytest.raises(fetch.FetchError, match=REFUSED):
        fetch.post(f"http://127.0.0.1:{other_site.server_port}/inbox", b"x", headers={},
                   max_bytes=CAP)  # fmt: skip
    assert connections == [] and other_site.paths == []
