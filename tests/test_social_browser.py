"""A reader signs in at a real OpenID Connect provider on loopback, in Debian's chromium.

The provider is a second Django configuration (tests/idp/, django-allauth's
allauth.idp.oidc) that tests.idp.serve runs in a subprocess on 127.0.0.1 for the session,
with its own SQLite database. The browser reaches only it and the blog's test server.
"""

import copy
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

import tests.idp as idp
from accounts.models import Profile
from comments.models import DigestComment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def identity_provider(live_server, tmp_path_factory):
    """The test identity provider's address; it knows the blog's callback on live_server."""
    folder = tmp_path_factory.mktemp("idp")
    callback = f"{live_server.url}/accounts/oidc/{idp.PROVIDER_ID}/login/callback/"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.idp.settings"}
    log = (folder / "idp.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (our own module, with our own arguments)
        [sys.executable, "-m", "tests.idp.serve", "--redirect-uri", callback,
         "--database", str(folder / "idp.sqlite3")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        ready = lines.get(timeout=60)
    except queue.Empty:
        ready = ""
    if not ready.startswith("READY "):
        process.kill()
        pytest.fail(f"the test identity provider did not start: {(folder / 'idp.log').read_text()}")
    yield ready.split()[1]
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def oidc_provider(settings, identity_provider):
    """The blog's generic OpenID Connect provider pointed at the test identity provider."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"] = {
        **providers["openid_connect"],
        "APPS": [
            {
                "provider_id": idp.PROVIDER_ID,
                "name": idp.PROVIDER_NAME,
                "client_id": idp.CLIENT_ID,
                "secret": idp.CLIENT_SECRET,
                "settings": {"server_url": identity_provider},
            }
        ],
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.FETCH_ALLOWED_PRIVATE = [urlsplit(identity_provider).netloc]  # on loopback
    if hasattr(django_settings, "CONTENT_SECURITY_POLICY"):
        # What SOCIAL_OIDC_SERVER_URL does in production: the button may lead there.
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"] = [
            *policy["DIRECTIVES"]["form-action"],
            identity_provider,
        ]
        settings.CONTENT_SECURITY_POLICY = policy
    return identity_provider


@pytest.fixture
def page(page, identity_provider):
    """conftest's page (only the test server), and the identity provider on loopback too."""

    def provider_too(route):
        if route.request.url.startswith(identity_provider + "/"):
            route.continue_()
        else:
            route.fallback()  # to conftest's handler: the test server, or refused

    page.route("**/*", provider_too)
    return page


def log_in_at_the_provider(page, identity_provider):
    page.get_by_role("button", name=f"Log in with {idp.PROVIDER_NAME}").click()
    page.wait_for_url(f"{identity_provider}/accounts/login/**")
    page.get_by_label("Username").fill(idp.USERNAME)
    page.get_by_label("Password").fill(idp.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{identity_provider}/identity/o/authorize**")
    expect(page.get_by_role("heading", name="Authorize Digests")).to_be_visible()


def test_log_in_consent_and_comment_under_the_providers_name(
    page, live_server, digest, oidc_provider
):
    digest_url = live_server.url + digest.get_absolute_url()
    page.goto(digest_url)
    expect(page.get_by_text("Log in to comment with an account you already have")).to_be_visible()
    log_in_at_the_provider(page, oidc_provider)
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{digest_url}#respond")
    expect(page.locator(".logged-in-as")).to_contain_text("Logged in as Ada Lovelace · Log out")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_count(0)
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_count(0)

    page.get_by_role("textbox", name="Comment", exact=True).fill("Notes on the engine, signed.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"{digest_url}#c*")

    comment = DigestComment.objects.get(comment="Notes on the engine, signed.")
    mine = page.locator(f"#c{comment.pk}")
    expect(mine.locator(".comment__author")).to_have_text("Ada Lovelace")
    author_link = mine.get_by_role("link", name="Ada Lovelace")
    expect(author_link).to_have_attribute("href", f"{oidc_provider}/people/ada/")
    # Held as every new author's first comment is; no confirmation mail asked for.
    expect(mine).to_contain_text("Your comment is awaiting moderation.")
    assert comment.verified_at is not None and comment.user.email == idp.EMAIL
    avatar = Profile.objects.get(user=comment.user).avatar
    expect(mine.locator("img.avatar")).to_have_attribute("src", avatar.url)
    assert not any(url.startswith(oidc_provider) for url in page.blocked_requests)

    # Log out is a POST; back on the digest, the guest fields return.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{digest_url}#respond")
    expect(page.get_by_role("button", name=f"Log in with {idp.PROVIDER_NAME}")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_be_visible()


def test_refused_consent_brings_the_reader_back_with_a_message(
    page, live_server, digest, oidc_provider
):
    digest_url = live_server.url + digest.get_absolute_url()
    page.goto(digest_url)
    log_in_at_the_provider(page, oidc_provider)
    page.get_by_role("button", name="Cancel").click()

    page.wait_for_url(f"{digest_url}#respond")
    expect(page.locator(".messages")).to_contain_text(
        f"You cancelled logging in with {idp.PROVIDER_NAME}, so nothing was shared with this site."
    )
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    assert not Profile.objects.exists()
