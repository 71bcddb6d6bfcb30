"""The one way the server fetches an address on the web (posters, avatars, link previews),
posts a form to one (webmentions) or sends a signed document (fediverse deliveries).

Every hop is checked before a byte is sent: http(s) only, the host resolved here and
refused unless each of its addresses is globally routable (FETCH_ALLOWED_PRIVATE lists the
exact exceptions), and then the connection is made to that checked address, never to the
name again, so a second DNS answer cannot point it elsewhere. The real name still goes in
the Host header and, for https, in SNI and the certificate check. Redirects are followed a
few times, each one checked the same way; the body is capped while it streams.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as TransportTimeout

MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "digestblog"
CHUNK = 64 * 1024
# Ranges some Python versions still call global, though nothing public lives there.
NOT_PUBLIC = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("64:ff9b:1::/48"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """Why an address could not be fetched, in words fit for an editor."""


@dataclass(frozen=True)
class Response:
    """What the last hop answered: its status, its address, headers and the whole body."""

    status: int
    url: str
    headers: urllib3.HTTPHeaderDict
    body: bytes

    def raise_for_status(self):
        """self if the answer is a success (2xx); otherwise FetchError."""
        if not 200 <= self.status < 300:
            raise FetchError(f"{self.url} answered {self.status}")
        return self


@dataclass(frozen=True)
class _Hop:
    url: str
    scheme: str
    host: str  # ASCII (IDNA) form, without brackets
    port: int
    addresses: tuple

    @property
    def netloc(self):
        return f"{_bracketed(self.host)}:{self.port}"

    @property
    def host_header(self):
        default = DEFAULT_PORTS[self.scheme]
        return _bracketed(self.host) if self.port == default else self.netloc


def get(url, *, max_bytes, accept=None, timeout=None):
    """GET url, following up to MAX_REDIRECTS checked redirects; a Response or FetchError.

    The body may be at most max_bytes (after decompression); timeout (FETCH_TIMEOUT by
    default) bounds the whole fetch, redirects included.
    """
    timeout = timeout or settings.FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT} | ({"Accept": accept} if accept else {})
    start = url
    for _ in range(MAX_REDIRECTS + 1):
        hop = _check(url)
        with _Exchange(hop, headers, deadline) as answer:
            location = answer.headers.get("Location")
            if answer.status in REDIRECT_STATUSES and location:
                url = urljoin(hop.url, location.strip())
                continue
            body = _read(answer, hop.url, max_bytes, deadline, timeout)
            return Response(answer.status, hop.url, answer.headers, body)
    raise FetchError(f"{start}: more than {MAX_REDIRECTS} redirects")


def post(url, body, *, headers, max_bytes, timeout=None):
    """POST body to url, its host checked as for get(); a Response or FetchError.

    Redirects are not followed (a POST is not repeated elsewhere): a 3xx is returned as
    the answer. headers are sent as given, with our User-Agent and the checked Host.
    """
    timeout = timeout or settings.FETCH_TIMEOUT
    deadline = time.monotonic() + timeout
    hop = _check(url)
    headers = {"User-Agent": USER_AGENT, **headers, "Content-Length": str(len(body))}
    with _Exchange(hop, headers, deadline, method="POST", body=body) as answer:
        answer_body = _read(answer, hop.url, max_bytes, deadline, timeout)
        return Response(answer.status, hop.url, answer.headers, answer_body)


def request_host(url):
    """The Host header get() and post() send for url (what a signature must name)."""
    return _Hop(url, *_split(url), ()).host_header


def _check(url):
    """The hop to url once its scheme and every address of its host are acceptable."""
    scheme, host, port = _split(url)
    addresses = _resolve(host, port)
    allowed = _allowed_private()
    if (host, port) not in allowed:
        for address in addresses:
            if _refused(address, port, allowed):
                where = host if host == str(address) else f"{host} (at {address})"
                raise FetchError(f"{where} is not a public address, so it was not fetched")
    return _Hop(url.split("#", 1)[0], scheme, host, port, addresses)


def _split(url):
    """(scheme, ASCII host, port) of an http(s) address, or FetchError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{url} is not a valid address") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url} is not an http(s) address")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"{url} has an invalid host name") from exc
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _refused(address, port, allowed):
    """Whether address may not be connected to: not public, and not listed in allowed."""
    return not is_public(address) and (str(address), port) not in allowed


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"{host} could not be found") from exc
    # An IPv6 scope ("fe80::1%eth0") is dropped: such addresses are refused anyway.
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchError(f"{host} could not be found")
    return tuple(dict.fromkeys(addresses))


def named_private(url):
    """Whether url names a non-public address outright (an IP literal or localhost) that
    FETCH_ALLOWED_PRIVATE does not list: refused at once, before any name is resolved,
    when a stranger hands over an address to be fetched later. Other names are checked
    when fetched."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
        port = port or DEFAULT_PORTS[parts.scheme.lower()]
    except (ValueError, KeyError):
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return (host, port) not in _allowed_private()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return _refused(address, port, _allowed_private())


def is_public(address):
    """Whether address is globally routable, and no IPv4 address it embeds is private."""
    if address.version == 6:
        embedded = address.ipv4_mapped or address.sixtofour
        if address.teredo:
            embedded = address.teredo[1]
        elif address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    if any(address in network for network in NOT_PUBLIC if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


def _allowed_private():
    """FETCH_ALLOWED_PRIVATE as {(host or canonical IP, port)}."""
    allowed = set()
    for entry in settings.FETCH_ALLOWED_PRIVATE:
        parts = urlsplit(f"//{entry.strip()}")
        try:
            host, port = parts.hostname, parts.port
            host = str(ipaddress.ip_address(host))
        except ValueError:
            pass  # a name, kept as written (lower case)
        if host and port:
            allowed.add((host, port))
    return allowed


def _bracketed(host):
    return f"[{host}]" if ":" in host else host


class _Exchange:
    """One request to a checked hop, sent to its checked address; the open answer."""

    def __init__(self, hop, headers, deadline, method="GET", body=None):
        self.hop, self.headers, self.deadline = hop, headers, deadline
        self.method, self.body = method, body
        self.pool = self.answer = None

    def __enter__(self):
        hop = self.hop
        headers = self.headers | {"Host": hop.host_header}
        problem = None
        for address in hop.addresses:  # all checked; the next one if one refuses
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                break
            self.pool = _pool(hop, str(address), remaining)
            try:
                # parse_url percent-encodes what a request line may not carry (spaces...).
                path = urllib3.util.parse_url(hop.url).request_uri
                self.answer = self.pool.urlopen(
                    self.method,
                    path,
                    body=self.body,
                    headers=headers,
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    assert_same_host=False,
                )
                return self.answer
            except NewConnectionError as exc:
                problem = exc
                self.pool.close()
            except (TransportError, OSError, ValueError) as exc:
                self.pool.close()
                raise _failure(hop.url, exc) from exc
        raise _failure(hop.url, problem or TransportTimeout())

    def __exit__(self, *exc_info):
        if self.answer is not None:
            self.answer.release_conn()
        self.pool.close()


def _pool(hop, address, remaining):
    """A one-connection pool on address, speaking to it as hop.host."""
    timeout = urllib3.Timeout(
        connect=min(settings.FETCH_CONNECT_TIMEOUT, remaining), read=remaining
    )
    if hop.scheme == "http":
        return urllib3.HTTPConnectionPool(address, hop.port, timeout=timeout, maxsize=1)
    return urllib3.HTTPSConnectionPool(
        address,
        hop.port,
        timeout=timeout,
        maxsize=1,
        cert_reqs="CERT_REQUIRED",
        server_hostname=hop.host,
        assert_hostname=hop.host,
    )


def _read(answer, url, max_bytes, deadline, timeout):
    """The body, refused as soon as it is known to be over max_bytes or too slow to come."""
    length = answer.headers.get("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError(f"{url} is larger than {max_bytes} bytes")
    body = bytearray()
    try:
        # read1 returns what has arrived, so a server dripping bytes meets the deadline.
        while chunk := answer.read1(CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"{url} is larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"{url} did not arrive within {timeout} s")
    except (TransportError, OSError) as exc:
        raise _failure(url, exc) from exc
    return bytes(body)


def _failure(url, exc):
    """FetchError for a transport failure, in words (urllib3's own name the pool, not url)."""
    if isinstance(exc, NewConnectionError):  # a subclass of urllib3's TimeoutError
        cause = exc.__cause__
        return FetchError(f"{url} could not be reached ({getattr(cause, 'strerror', '') or cause})")
    if isinstance(exc, TransportTimeout | TimeoutError):
        return FetchError(f"{url} did not answer in time")
    return FetchError(f"{url} could not be fetched ({exc})")
