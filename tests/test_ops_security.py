"""Production security: `check --deploy` clean, DEBUG refused with a real secret, the
headers a reader gets, the Content-Security-Policy, the client address behind a proxy."""

import base64
import hashlib
import re
import subprocess
import sys

import pytest
from django.test import RequestFactory

from config.middleware import ProxiedClientIPMiddleware, RequestIDMiddleware
from tests.ops_helpers import BASE_DIR, SECRET_KEY, base_env

PRODUCTION_ENV = {
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "blog.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://blog.example.com",
    "DJANGO_SITE_DOMAIN": "blog.example.com",
}


def run_manage(*args, **env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=base_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


def test_production_settings_silence_no_check_and_turn_https_on():
    code = (
        "from django.conf import settings as s;"
        "print(s.SILENCED_SYSTEM_CHECKS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG,"
        " s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "[]",
        "True",
        "True",
        "True",
        "31536000",
        "False",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


@pytest.mark.parametrize(
    "env",
    [
        # A production secret with DEBUG on, in or out of production mode.
        {"DJANGO_DEBUG": "1"},
        {"DJANGO_DEBUG": "1", "DJANGO_PRODUCTION": "0"},
        # Production mode with the development key.
        {"DJANGO_SECRET_KEY": "django-insecure-dev-only"},
        {"DJANGO_SECRET_KEY": ""},
    ],
)
def test_settings_refuse_to_start_with_debug_on_a_production_secret(env):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert SECRET_KEY not in result.stderr


def test_debug_still_works_with_the_development_key():
    result = run_manage(
        "check", DJANGO_DEBUG="1", DJANGO_PRODUCTION="0", DJANGO_SECRET_KEY="django-insecure-x"
    )
    assert result.returncode == 0, result.stderr


def test_development_headers_on_plain_http(client, digest):
    response = client.get(digest.get_absolute_url())
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    # No HTTPS promises on http://127.0.0.1.
    assert "Strict-Transport-Security" not in response
    assert not any(cookie["secure"] for cookie in response.cookies.values())


def csp(response):
    return {
        name: values
        for name, *values in (
            part.split() for part in response["Content-Security-Policy"].split(";")
        )
    }


def test_content_security_policy_allows_our_assets_and_the_video_players_only(client, digest):
    policy = csp(client.get(digest.get_absolute_url()))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert sorted(policy["frame-src"]) == [
        "https://player.vimeo.com",
        "https://www.youtube-nocookie.com",
    ]
    assert "'unsafe-inline'" not in " ".join(sum(policy.values(), []))
    assert "upgrade-insecure-requests" not in policy  # only over HTTPS


def test_error_pages_inline_styles_are_allowed_by_their_hash(client, db):
    allowed = csp(client.get("/"))["style-src"]
    for template in ("500.html", "503.html"):
        css = re.search(r"<style>(.*?)</style>", (BASE_DIR / "templates" / template).read_text())
        digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # nginx on the same machine, setting or appending X-Forwarded-For.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        # A client's own X-Forwarded-For before the proxy's entry is not believed.
        ("127.0.0.1", "10.0.0.1, 203.0.113.7, 127.0.0.1", "203.0.113.7"),
        # Not from a trusted proxy: the header is ignored.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        # Garbage keeps the proxy's address.
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ],
)
def test_client_address_behind_a_trusted_proxy(settings, peer, forwarded, expected):
    settings.FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]

    middleware = ProxiedClientIPMiddleware(view)
    middleware(RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded))
    assert seen["ip"] == expected


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2a-77b1.proxy", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("two words", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_request_id_is_taken_from_the_proxy_only_if_sane(incoming, kept):
    from django.http import HttpResponse

    middleware = RequestIDMiddleware(lambda request: HttpResponse("ok"))
    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming))
    if kept:
        assert response["X-Request-ID"] == incoming
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
