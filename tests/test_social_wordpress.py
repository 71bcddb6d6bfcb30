"""Our WordPress.com provider against a loopback stand-in for its three endpoints."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import Profile
from tests.idp.wordpress_standin import CLIENT_ID, sign_in

pytestmark = pytest.mark.django_db


def test_the_button_sends_the_reader_to_the_authorize_endpoint_with_state_and_pkce(
    client, wordpress, digest
):
    response = client.post(reverse("wordpress_com_login"), {"next": digest.get_absolute_url()})

    assert response.status_code == 302
    address = urlsplit(response["Location"])
    assert f"{address.scheme}://{address.netloc}{address.path}" == (
        f"{wordpress.url}/oauth2/authorize"
    )
    params = {k: v[0] for k, v in parse_qs(address.query).items()}
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["scope"] == "auth"
    assert params["redirect_uri"] == "http://testserver/accounts/wordpress_com/login/callback/"
    assert len(params["state"]) >= 12
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43


def test_sign_in_uses_token_and_me_and_makes_a_profile(client, wordpress, digest, media_root):
    response = sign_in(client, next_url=f"{digest.get_absolute_url()}#respond")

    assert response.status_code == 302
    assert response["Location"] == f"{digest.get_absolute_url()}#respond"
    assert wordpress.paths() == [
        "/oauth2/authorize",
        "/oauth2/token",
        "/rest/v1/me",
        "/avatar/mhamilton.png",
    ]
    token_request = wordpress.requests[1][2]
    assert token_request["code_verifier"]  # PKCE: the stand-in checked it against the challenge

    account = SocialAccount.objects.get(provider="wordpress_com")
    assert account.uid == "4242"
    user = account.user
    assert user.get_full_name() == "Margaret Hamilton"
    assert user.email == "margaret@wp.example"  # verified by WordPress.com
    assert not user.has_usable_password() and not user.is_staff
    profile = Profile.objects.get(user=user)
    assert profile.display_name == "Margaret Hamilton"
    assert profile.profile_url == "https://gravatar.com/mhamilton"
    assert profile.avatar.name.startswith("avatars/") and profile.avatar.name.endswith(".png")
    assert (media_root / profile.avatar.name).exists()
    assert str(account.get_provider_account()) == "Margaret Hamilton"


def test_an_unverified_address_is_not_kept(client, wordpress):
    wordpress.me["email_verified"] = False
    sign_in(client)
    assert SocialAccount.objects.get().user.email == ""


def test_a_refused_token_is_an_error_page_not_a_login(client, wordpress, monkeypatch):
    monkeypatch.setattr("tests.idp.wordpress_standin.CLIENT_SECRET", "another secret")
    response = sign_in(client)
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()


def test_signing_in_again_refreshes_the_profile_and_fetches_a_changed_avatar(client, wordpress):
    sign_in(client)
    client.post(reverse("account_logout"))
    wordpress.me["display_name"] = "Margaret H. Hamilton"
    sign_in(client)
    assert wordpress.paths().count("/avatar/mhamilton.png") == 1  # unchanged: not fetched again
    assert Profile.objects.get().display_name == "Margaret H. Hamilton"

    client.post(reverse("account_logout"))
    wordpress.me["avatar_URL"] = f"{wordpress.url}/avatar/mhamilton.png?s=200"
    sign_in(client)
    assert wordpress.paths().count("/avatar/mhamilton.png") == 2
    assert SocialAccount.objects.count() == 1
