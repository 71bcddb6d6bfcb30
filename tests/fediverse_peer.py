"""A remote fediverse server for the tests, on loopback, built with bovine (an independent
ActivityPub library): its own keys, actor document, WebFinger client, signed POSTs, and an
inbox that checks our signatures with bovine's SignatureChecker, not with our code."""

import asyncio
import io
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import aiohttp
from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import generate_rsa_public_private_key
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import build_signature
from bovine.crypto.signature_checker import SignatureChecker
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from bovine.utils import get_gmt_now
from PIL import Image

from tests import loopback

AP = "application/activity+json"
PUBLIC_KEY, PRIVATE_KEY = generate_rsa_public_private_key()  # once: RSA keys take a while


def run_apart(coroutine):
    """asyncio.run() in a thread of its own: in a whole suite Playwright's sync API (the
    browser tests) keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _png():
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


class Peer:
    """alice@<loopback>: who she is, what her server received, and what she sends."""

    def __init__(self, server):
        self.server = server
        self.base = f"http://127.0.0.1:{server.server_port}"
        self.actor_id = f"{self.base}/users/alice"
        self.key_id = f"{self.actor_id}#main-key"
        self.received = []  # (path, activity, signer bovine verified or None)
        self.inbox_status = 202
        self.public_key, self.private_key = PUBLIC_KEY, PRIVATE_KEY

    @property
    def host_port(self):
        return f"127.0.0.1:{self.server.server_port}"

    def actor(self):
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "alice",
            "name": "Alice Remote",
            "url": f"{self.base}/@alice",
            "inbox": f"{self.actor_id}/inbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "icon": {"type": "Image", "url": f"{self.base}/avatar.png"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.actor_id,
                "publicKeyPem": self.public_key,
            },
        }

    # What alice does, through bovine ------------------------------------------------

    def lookup(self, handle, site):
        """The actor id WebFinger at site (http://host:port) gives for handle."""

        async def run():
            async with aiohttp.ClientSession() as session:
                return await lookup_uri_with_webfinger(session, f"acct:{handle}", domain=site)

        return run_apart(run())[0]

    def post(self, url, activity):
        """A POST signed by bovine's client (draft-cavage, Digest); (status, text)."""

        async def run():
            async with aiohttp.ClientSession() as session:
                client = SignedHttpClient(session, self.key_id, self.private_key)
                response = await client.post(url, json.dumps(activity))
                return response.status, await response.text()

        return run_apart(run())

    def signed_headers(self, host, path, body, *, date=None, key_id=None):
        """The headers bovine signs a POST with, for requests a test sends by hand."""
        digest = content_digest_sha256(body)
        signature = (
            build_signature(host, "post", path)
            .with_field("date", date or get_gmt_now())
            .with_field("digest", digest)
            .with_field("content-type", AP)
        )
        secret = CryptographicSecret.from_pem(key_id or self.key_id, self.private_key)
        return {**signature.headers, "signature": signature.sign_for_http_draft(secret)}

    # Her server ---------------------------------------------------------------------

    def verify(self, url, headers, body):
        """bovine's own check of a signed request; the key owner, or None."""

        async def retrieve(key_id):
            async with (
                aiohttp.ClientSession() as session,
                session.get(key_id, headers={"Accept": AP}) as response,
            ):
                data = json.loads(await response.text())
            return CryptographicIdentifier.from_public_key(data["publicKey"])

        async def body_of():
            return body

        checker = SignatureChecker(retrieve)
        return run_apart(checker.validate_signature("post", url, headers, body_of))


def _handler(peer_box):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body=b"", kind=AP):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            peer = peer_box[0]
            if self.path == "/users/alice":
                return self._send(200, json.dumps(peer.actor()).encode())
            if self.path == "/avatar.png":
                return self._send(200, _png(), "image/png")
            return self._send(404)

        def do_POST(self):
            peer = peer_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            owner = peer.verify(f"http://{headers['host']}{self.path}", headers, body)
            peer.received.append((self.path, json.loads(body), owner))
            self._send(peer.inbox_status)

    return Handler


@contextmanager
def remote_peer(settings):
    """alice's server on a free loopback port, which the blog may reach (and only it)."""
    box = []
    with loopback.serve(_handler(box)) as server:
        peer = Peer(server)
        box.append(peer)
        settings.FETCH_ALLOWED_PRIVATE = [peer.host_port]
        yield peer
