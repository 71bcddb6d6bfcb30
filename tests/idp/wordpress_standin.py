"""A stand-in for WordPress.com's three OAuth2 endpoints, served on loopback in a thread.

/oauth2/authorize answers at once as if the person had approved (or, with
``refuse = True``, refused); /oauth2/token checks the client, the code, the callback
and the PKCE verifier like the real one; /rest/v1/me describes ``me``.
"""

import base64
import copy
import hashlib
import io
import json
import secrets
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.urls import reverse
from PIL import Image

CLIENT_ID = "12345"
CLIENT_SECRET = "wordpress-test-secret"  # noqa: S105


def avatar_png(colour=(30, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


class WordPressStandIn:
    def __init__(self):
        self.refuse = False
        self.codes = {}  # code -> (redirect_uri, code_challenge)
        self.tokens = set()
        self.requests = []  # (method, path, params) as received
        self.avatar = avatar_png()
        self.me = {
            "ID": 4242,
            "display_name": "Margaret Hamilton",
            "username": "mhamilton",
            "email": "margaret@wp.example",
            "email_verified": True,
            "avatar_URL": "",  # set once the address is known
            "profile_URL": "https://gravatar.com/mhamilton",
            "primary_blog": 1,
        }
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.me["avatar_URL"] = f"{self.url}/avatar/mhamilton.png?s=96"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def paths(self):
        return [path for _, path, _ in self.requests]

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002
                pass

            def _send(self, status, body=b"", content_type="application/json", headers=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status, data):
                self._send(status, json.dumps(data).encode())

            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                standin.requests.append(("GET", parts.path, params))
                if parts.path == "/oauth2/authorize":
                    return self.authorize(params)
                if parts.path == "/rest/v1/me":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in standin.tokens:
                        return self._json(403, {"error": "authorization_required"})
                    return self._json(200, standin.me)
                if parts.path == "/moved":
                    return self._send(302, headers=[("Location", params["to"])])
                if parts.path.startswith("/avatar/"):
                    return self._send(200, standin.avatar, "image/png")
                return self._json(404, {"error": "unknown_path"})

            def authorize(self, params):
                back = params["redirect_uri"]
                if standin.refuse:
                    query = {"error": "access_denied", "state": params.get("state", "")}
                else:
                    code = secrets.token_urlsafe(16)
                    standin.codes[code] = (back, params.get("code_challenge"))
                    query = {"code": code, "state": params.get("state", "")}
                self._send(302, headers=[("Location", f"{back}?{urlencode(query)}")])

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                standin.requests.append(("POST", parts.path, form))
                if parts.path != "/oauth2/token":
                    return self._json(404, {"error": "unknown_path"})
                redirect_uri, challenge = standin.codes.pop(form.get("code"), (None, None))
                verifier = form.get("code_verifier", "")
                expected = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("grant_type") != "authorization_code"
                    or redirect_uri is None
                    or form.get("redirect_uri") != redirect_uri
                    or (challenge and expected != challenge)
                ):
                    return self._json(400, {"error": "invalid_request"})
                token = secrets.token_urlsafe(16)
                standin.tokens.add(token)
                return self._json(
                    200,
                    {
                        "access_token": token,
                        "token_type": "bearer",
                        "blog_id": "0",
                        "scope": "auth",
                    },
                )

        return Handler


@contextmanager
def wordpress_provider(settings):
    """The blog's WordPress.com provider switched on and pointed at a running stand-in."""
    with WordPressStandIn() as standin:
        providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
        providers["wordpress_com"] |= {
            "API_URL": standin.url,
            "APPS": [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET}],
        }
        settings.SOCIALACCOUNT_PROVIDERS = providers
        # The stand-in is on loopback: its avatar may be fetched, nothing else private.
        settings.FETCH_ALLOWED_PRIVATE = [urlsplit(standin.url).netloc]
        yield standin


def sign_in(client, next_url=None, process="login"):
    """Sign in (or connect) with WordPress.com as a browser would: POST the button, let
    the stand-in approve, come back to the callback. Returns the callback's response."""
    data = {"process": process} | ({"next": next_url} if next_url is not None else {})
    start = client.post(reverse("wordpress_com_login"), data)
    assert start.status_code == 302, start.content
    approved = requests.get(start["Location"], allow_redirects=False, timeout=5)
    callback = urlsplit(approved.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
