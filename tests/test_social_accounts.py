"""Commenting with a social-login identity: buttons, accounts, admin, redirects, limits.

The provider here is our WordPress.com provider against its loopback stand-in; the
browser test (test_social_browser.py) signs in at a real OpenID Connect provider.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.test import Client
from django.urls import reverse

from accounts.models import Profile
from comments.models import DigestComment, Subscription
from mailer.models import Delivery
from tests.comment_helpers import approved_author, form_data, post_comment, public
from tests.idp.wordpress_standin import sign_in

pytestmark = pytest.mark.django_db

# Addresses that must never be followed off the site (django/tests/utils_tests/test_http.py).
UNSAFE_URLS = [
    "http://evil.com",
    "https://evil.com/comments/",
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "http:/evil.com",
    "http:///evil.com",
    "http:\\\\evil.com",
    "https:/\\/evil.com",
    " //evil.com",
    "\t//evil.com",
    "\x08//evil.com",
    "\n//evil.com",
    "http://testserver@evil.com",
    "http://testserver\\@evil.com",
    "javascript:alert(1)",
    "\njavascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://evil.com",
    "http:999999999",
]


def page_of(client, digest):
    return client.get(digest.get_absolute_url()).content.decode()


def signed_in_user(client):
    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


# The comment form ------------------------------------------------------------------


def test_no_provider_configured_no_buttons(client, digest):
    html = page_of(client, digest)
    assert "Log in to comment with" not in html
    assert 'name="name"' in html and 'name="email"' in html


def test_guests_see_a_button_per_provider_beside_the_guest_fields(client, wordpress, digest):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="corp",
        name="Corp SSO",
        client_id="blog",
        secret="s3cret",
        settings={"server_url": "http://127.0.0.1:9"},
    )
    app.sites.add(Site.objects.get_current())

    html = page_of(client, digest)

    box = html.split('id="respond"', 1)[1]
    assert "Log in to comment with an account you already have" in box
    buttons = re.findall(r'<form action="([^"]+)" method="post">(.*?)</form>', box, re.S)
    targets = {action: inner for action, inner in buttons if "/accounts/" in action}
    assert set(targets) == {
        "/accounts/oidc/corp/login/?process=login",
        "/accounts/wordpress_com/login/?process=login",
    }
    for inner in targets.values():
        assert 'name="csrfmiddlewaretoken"' in inner
        assert f'name="next" value="{digest.get_absolute_url()}#respond"' in inner
    assert "Log in with Corp SSO</button>" in box and "Log in with WordPress.com</button>" in box
    # The guest fields are still there, after the buttons.
    assert box.index("Log in with") < box.index('name="name"')


def test_a_sign_in_goes_back_to_the_comment_box(client, wordpress, digest):
    response = sign_in(client, next_url=f"{digest.get_absolute_url()}#respond")
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#respond"


def test_signed_in_the_form_names_the_reader_and_asks_no_name_or_email(client, wordpress, digest):
    sign_in(client)
    html = page_of(client, digest)
    box = html.split('id="respond"', 1)[1]
    assert "Logged in as <bdi>Margaret Hamilton</bdi> · " in box
    assert 'form="comment-logout"' in box and ">Log out</button>" in box
    logout = re.search(r'<form id="comment-logout"[^>]*action="([^"]+)" method="post"', box)
    assert logout.group(1) == reverse("account_logout")
    assert 'name="name"' not in box and 'name="email"' not in box
    assert "Log in with" not in box


def test_signed_in_comment_is_published_without_mail_under_the_moderation_rules(
    client, wordpress, digest, settings, sent_mail
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    sign_in(client)
    user = signed_in_user(client)
    data = form_data(digest, comment="First words from WordPress.")
    for field in ("name", "email", "url"):
        del data[field]

    response = client.post(reverse("comments:post"), data)

    first = DigestComment.objects.get(comment="First words from WordPress.")
    assert response.status_code == 302
    assert first.user == user and first.user_name == "Margaret Hamilton"
    assert first.user_url == "https://gravatar.com/mhamilton"  # the identity's profile link
    assert first.verified_at is not None  # no confirmation mail...
    assert not [m for m in sent_mail() if m.to == ["margaret@wp.example"]]
    # ...but a first comment from a new author is held like anyone's.
    assert first.state == DigestComment.State.HELD
    assert first.moderation_reason == "first comment from this address"

    first.state = DigestComment.State.PUBLIC
    first.save()
    client.post(reverse("comments:post"), {**data, "comment": "Second words."})
    assert DigestComment.objects.get(comment="Second words.").state == DigestComment.State.PUBLIC


def test_comments_show_the_stored_avatar_never_the_providers(client, wordpress, digest, settings):
    settings.COMMENTS_HOLD_FIRST_COMMENT = False
    sign_in(client)
    profile = Profile.objects.get()
    data = form_data(digest, comment="With my picture.")
    client.post(reverse("comments:post"), data)
    # A guest's comment beside it, for contrast.
    client.post(reverse("account_logout"))
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author("grace@example.com")
    post_comment(client, digest, name="Grace Hopper", email="grace@example.com", comment="No pic")

    html = page_of(client, digest).split('id="comments"', 1)[1]
    assert html.count('class="avatar avatar--img"') == 1
    assert f'src="{profile.avatar.url}"' in html
    assert profile.avatar.url.startswith("/media/avatars/")
    assert wordpress.url not in html  # nothing hot-linked from the provider
    assert ">GH</span>" in html  # the guest keeps initials
    assert '<a href="https://gravatar.com/mhamilton" rel="nofollow ugc noopener">' in html


def test_an_avatar_that_is_not_a_safe_image_is_not_stored(client, wordpress, digest):
    wordpress.avatar = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    response = sign_in(client, next_url=digest.get_absolute_url())
    assert response.status_code == 302  # signed in all the same
    profile = Profile.objects.get()
    assert not profile.avatar and profile.avatar_source == ""


def test_an_avatar_on_a_private_address_is_not_fetched(client, wordpress, settings):
    settings.FETCH_ALLOWED_PRIVATE = []  # the stand-in is just another loopback port now
    response = sign_in(client)
    assert response.status_code == 302
    assert "/avatar/mhamilton.png" not in wordpress.paths()
    assert not Profile.objects.get().avatar
    # The sign-in itself went to the stand-in (allauth's own requests), the avatar did not.
    assert "/rest/v1/me" in wordpress.paths()


def test_an_avatar_redirected_to_the_metadata_address_is_not_fetched(
    client, wordpress, connections
):
    wordpress.me["avatar_URL"] = f"{wordpress.url}/moved?to=http://169.254.169.254/latest/"
    assert sign_in(client).status_code == 302
    assert wordpress.paths()[-1] == "/moved"
    assert not [c for c in connections if c[0] != "127.0.0.1"], connections
    assert not Profile.objects.get().avatar


def test_an_avatar_redirect_is_followed_and_checked(client, wordpress):
    wordpress.me["avatar_URL"] = f"{wordpress.url}/moved?to=/avatar/new.png"
    sign_in(client)
    assert wordpress.paths()[-2:] == ["/moved", "/avatar/new.png"]
    assert Profile.objects.get().avatar


def test_a_profile_link_that_is_not_http_is_dropped(client, wordpress):
    wordpress.me["profile_URL"] = "javascript:alert(1)"
    sign_in(client)
    assert Profile.objects.get().profile_url == ""


# Redirects -------------------------------------------------------------------------


@pytest.mark.parametrize("unsafe", UNSAFE_URLS)
def test_no_open_redirect_after_login(client, wordpress, unsafe):
    response = sign_in(client, next_url=unsafe)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("unsafe", UNSAFE_URLS)
def test_no_open_redirect_after_logout(client, wordpress, unsafe):
    sign_in(client)
    response = client.post(reverse("account_logout"), {"next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("unsafe", UNSAFE_URLS)
def test_no_open_redirect_after_a_password_login(client, editor, unsafe):
    response = client.post(
        reverse("account_login"),
        {"login": editor.username, "password": "correct horse battery", "next": unsafe},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")


def _stash_state(client, next_url):
    """A state as the login view keeps it, but with a `next` it never accepts."""
    session = client.session
    session["socialaccount_states"] = {
        "abcdefghijkl": (
            {"process": "login", "data": None, "next": next_url},
            time.time(),
            "wordpress_com",
        )
    }
    session.save()
    return "abcdefghijkl"


@pytest.mark.parametrize("unsafe", UNSAFE_URLS)
def test_no_open_redirect_from_the_callback(client, wordpress, unsafe):
    state = _stash_state(client, unsafe)
    refused = client.get(
        reverse("wordpress_com_callback"),
        {"error": "access_denied", "state": state, "next": unsafe},
    )
    assert refused.status_code == 302
    assert refused["Location"] == reverse("socialaccount_login_cancelled")

    forged = client.get(
        reverse("wordpress_com_callback"), {"code": "x", "state": "forged", "next": unsafe}
    )
    assert forged.status_code == 401
    assert "_auth_user_id" not in client.session


def test_sign_in_starts_only_by_post(client, wordpress):
    response = client.get(reverse("wordpress_com_login"))
    assert response.status_code == 200  # a page with a button, not a redirect to the provider
    assert not wordpress.requests


def test_logout_only_by_post(client, wordpress):
    sign_in(client)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_a_refused_sign_in_goes_back_to_the_digest_with_a_message(client, wordpress, digest):
    wordpress.refuse = True
    response = sign_in(client, next_url=f"{digest.get_absolute_url()}#respond")
    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#respond"
    html = client.get(response["Location"]).content.decode()
    assert "You cancelled logging in with WordPress.com, so nothing was shared" in html
    assert "_auth_user_id" not in client.session


def test_state_of_another_browser_is_refused(client, wordpress):
    start = client.post(reverse("wordpress_com_login"))
    state = re.search(r"state=([^&]+)", start["Location"]).group(1)
    other = Client()
    response = other.get(reverse("wordpress_com_callback"), {"code": "x", "state": state})
    assert response.status_code == 401
    assert "_auth_user_id" not in other.session


def test_provider_sign_ins_are_rate_limited_in_the_shared_cache(client, wordpress, settings):
    settings.ACCOUNT_RATE_LIMITS = {"social_login": "2/m/ip"}
    assert sign_in(client).status_code == 302
    assert sign_in(client).status_code == 302
    refused = sign_in(client)
    assert refused.status_code == 429
    assert "Too many log-ins" in refused.content.decode()


# Accounts ----------------------------------------------------------------------------


def test_no_password_sign_up_by_default(client, settings):
    response = client.get(reverse("account_signup"))
    assert "password1" not in response.content.decode()
    assert "Sign Up Closed" in response.content.decode()
    settings.ACCOUNTS_PASSWORD_SIGNUP = True
    assert 'name="password1"' in client.get(reverse("account_signup")).content.decode()


def test_a_password_sign_up_confirmation_is_mailed_by_the_worker(client, settings, sent_mail):
    settings.ACCOUNTS_PASSWORD_SIGNUP = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # as settings.py makes it with sign-up on
    password = "a long passphrase 93"
    data = {"email": "new@example.com", "username": "newreader", "password1": password}
    response = client.post(reverse("account_signup"), data | {"password2": password})
    assert response.status_code == 302
    assert Delivery.objects.filter(to="new@example.com", status="pending").exists()
    [mail] = sent_mail()
    assert mail.to == ["new@example.com"] and "/accounts/confirm-email/" in mail.body


def test_a_provider_address_never_signs_into_an_editors_account(client, wordpress, editor):
    editor.email = "margaret@wp.example"
    editor.save()
    sign_in(client)
    user = signed_in_user(client)
    assert user != editor and not user.is_staff
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_use_a_provider_for_the_admin_only_if_their_account_is_staff(
    client, wordpress, editor
):
    admin_login = client.get(reverse("admin:login")).content.decode()
    assert "Log in with WordPress.com" in admin_login

    client.force_login(editor)
    sign_in(client, process="connect")
    assert SocialAccount.objects.get().user == editor
    client.post(reverse("account_logout"))

    sign_in(client, next_url=reverse("admin:index"))
    assert signed_in_user(client) == editor
    assert client.get(reverse("admin:index")).status_code == 200
    assert editor.first_name == get_user_model().objects.get(pk=editor.pk).first_name

    editor.is_staff = False
    editor.save()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_reader_cannot_enter_the_admin(client, wordpress):
    sign_in(client)
    response = client.get(reverse("admin:index"), follow=True)
    assert "not authorized to access this page" in response.content.decode()


def test_account_page_lists_the_connection_and_the_last_one_cannot_be_disconnected(
    client, wordpress
):
    sign_in(client)
    html = client.get(reverse("accounts:account")).content.decode()
    assert "Margaret Hamilton" in html and "WordPress.com" in html
    assert "This is your only way to log in here" in html
    account = SocialAccount.objects.get()
    client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_a_second_provider_can_be_disconnected_and_the_profile_follows(client, wordpress, settings):
    providers = settings.SOCIALACCOUNT_PROVIDERS
    providers["github"] = {**providers["github"], "APPS": [{"client_id": "gh", "secret": "x"}]}
    sign_in(client)
    user = signed_in_user(client)
    github = SocialAccount.objects.create(
        user=user,
        provider="github",
        uid="99",
        extra_data={
            "login": "margaret",
            "name": "Margaret on GitHub",
            "html_url": "https://github.com/margaret",
            "avatar_url": f"{wordpress.url}/avatar/github.png",
        },
    )
    wordpress_account = SocialAccount.objects.get(provider="wordpress_com")

    html = client.get(reverse("accounts:account")).content.decode()
    assert html.count(">Disconnect</button>") == 2
    response = client.post(reverse("socialaccount_connections"), {"account": wordpress_account.pk})

    assert response.status_code == 302
    assert list(SocialAccount.objects.filter(user=user)) == [github]
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "Margaret on GitHub"
    assert profile.profile_url == "https://github.com/margaret"
    assert profile.avatar_source.endswith("/avatar/github.png")


def _commenting_reader(client, digest, settings):
    settings.COMMENTS_HOLD_FIRST_COMMENT = False
    settings.COMMENTS_FLOOD_SECONDS = 0
    sign_in(client)
    data = form_data(digest, comment="Kept after I leave.", notify_replies="on")
    client.post(reverse("comments:post"), data)
    Subscription.objects.create(digest=digest, email="margaret@wp.example")
    return signed_in_user(client)


def test_deleting_an_account_keeps_comments_under_the_name(
    client, wordpress, digest, settings, media_root
):
    user = _commenting_reader(client, digest, settings)
    stored = Profile.objects.get().avatar
    assert stored
    avatar = media_root / stored.name
    assert avatar.is_file()
    page = client.get(reverse("accounts:delete")).content.decode()
    assert "under the name you wrote it under" in page

    response = client.post(reverse("accounts:delete"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not SocialAccount.objects.exists() and not Profile.objects.exists()
    assert not avatar.exists()
    comment = DigestComment.objects.get(comment="Kept after I leave.")
    assert comment.user is None and comment.user_name == "Margaret Hamilton"
    assert comment.user_url == "https://gravatar.com/mhamilton"
    assert comment.user_email == "" and comment.ip_address is None
    assert comment.notify == DigestComment.Notify.NONE and not comment.followup
    assert not Subscription.objects.exists()
    assert [c.name for c in public(digest)] == ["Margaret Hamilton"]
    assert "Your account is deleted" in client.get("/").content.decode()


def test_deleting_an_account_can_anonymise_the_comments(client, wordpress, digest, settings):
    settings.ACCOUNTS_DELETED_COMMENTS = "anonymise"
    _commenting_reader(client, digest, settings)
    assert "signed “Anonymous”" in client.get(reverse("accounts:delete")).content.decode()
    client.post(reverse("accounts:delete"))
    comment = DigestComment.objects.get(comment="Kept after I leave.")
    assert (comment.user_name, comment.user_url, comment.user_email) == ("Anonymous", "", "")
    assert comment.fingerprint is None
    assert "Margaret" not in page_of(client, digest)


def test_editors_cannot_delete_their_account_here(client, editor):
    client.force_login(editor)
    response = client.post(reverse("accounts:delete"))
    assert response.status_code == 302
    assert get_user_model().objects.filter(pk=editor.pk).exists()


def test_a_wrong_deleted_comments_setting_is_reported(settings):
    from accounts.checks import deleted_comments_setting

    settings.ACCOUNTS_DELETED_COMMENTS = "forget"
    assert [e.id for e in deleted_comments_setting(None)] == ["accounts.E001"]


# Configuration ---------------------------------------------------------------------


def test_providers_are_switched_on_from_the_environment():
    env = {
        **os.environ,
        "SOCIAL_GITHUB_CLIENT_ID": "gh-id",
        "SOCIAL_GITHUB_SECRET": "gh-secret",
        "SOCIAL_WORDPRESS_COM_CLIENT_ID": "wp-id",
        "SOCIAL_WORDPRESS_COM_SECRET": "wp-secret",
        "SOCIAL_OIDC_SERVER_URL": "https://id.example.org/realms/blog",
        "SOCIAL_OIDC_CLIENT_ID": "oidc-id",
        "SOCIAL_OIDC_SECRET": "oidc-secret",
        "SOCIAL_OIDC_NAME": "Example ID",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = (
        "import json; from django.conf import settings as s; "
        "p = s.SOCIALACCOUNT_PROVIDERS; "
        "print(json.dumps({k: v['APPS'] for k, v in p.items()}))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    apps = json.loads(out.stdout)
    assert apps["github"] == [{"client_id": "gh-id", "secret": "gh-secret"}]
    assert apps["wordpress_com"] == [{"client_id": "wp-id", "secret": "wp-secret"}]
    assert apps["google"] == [] and apps["facebook"] == []
    assert apps["openid_connect"] == [
        {
            "client_id": "oidc-id",
            "secret": "oidc-secret",
            "provider_id": "oidc",
            "name": "Example ID",
            "settings": {"server_url": "https://id.example.org/realms/blog"},
        }
    ]


def test_state_and_pkce_are_on_for_every_provider(settings):
    for provider in ("github", "google", "facebook", "wordpress_com", "openid_connect"):
        assert settings.SOCIALACCOUNT_PROVIDERS[provider]["OAUTH_PKCE_ENABLED"] is True
    assert settings.SOCIALACCOUNT_LOGIN_ON_GET is False
    assert settings.ACCOUNT_LOGOUT_ON_GET is False


def test_the_pages_csp_lets_the_buttons_reach_the_providers(client, digest, settings):
    if not hasattr(settings, "CONTENT_SECURITY_POLICY"):
        pytest.skip("no Content-Security-Policy configured")
    policy = client.get(digest.get_absolute_url())["Content-Security-Policy"]
    form_action = set(re.search(r"form-action ([^;]+)", policy).group(1).split())
    assert {
        "'self'",
        "https://github.com",
        "https://accounts.google.com",
        "https://www.facebook.com",
        "https://public-api.wordpress.com",
    } <= form_action
