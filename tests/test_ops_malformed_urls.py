"""Malformed `next` addresses (broken IPv6 brackets, impossible ports) on every page that
takes one: no 500, and the reader ends on one of the site's own pages."""

import pytest
from django.urls import reverse

from tests.idp.wordpress_standin import sign_in

pytestmark = pytest.mark.django_db

# urllib raises ValueError on these ("Invalid IPv6 URL", "Port out of range").
MALFORMED_URLS = [
    "//[",
    "http://[::1",
    "https://[::1/x",
    "//[::1]:99999",
    "http://[::1]:99999/",
    "http://testserver:99999999/",
    "//[zz]/",
    "http://[v1.x]/",
    "//]",
]


def assert_safe_redirect(response, expected):
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == expected


@pytest.mark.parametrize("malformed", MALFORMED_URLS)
def test_login_page_and_password_login(client, editor, malformed):
    page = client.get(reverse("account_login"), {"next": malformed})
    assert page.status_code == 200
    assert b"Log in" in page.content or b"Sign In" in page.content
    response = client.post(
        reverse("account_login"),
        {"login": editor.username, "password": "correct horse battery", "next": malformed},
    )
    assert_safe_redirect(response, reverse("accounts:account"))
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("malformed", MALFORMED_URLS)
def test_logout(client, editor, malformed):
    client.force_login(editor)
    page = client.get(reverse("account_logout"), {"next": malformed})
    assert page.status_code == 200
    assert "_auth_user_id" in client.session  # a GET only asks
    response = client.post(reverse("account_logout"), {"next": malformed})
    assert_safe_redirect(response, reverse("blog:digest-list"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("malformed", MALFORMED_URLS)
def test_password_reset(client, editor, malformed, sent_mail):
    page = client.get(reverse("account_reset_password"), {"next": malformed})
    assert page.status_code == 200
    response = client.post(
        reverse("account_reset_password"), {"email": editor.email, "next": malformed}
    )
    assert_safe_redirect(response, reverse("account_reset_password_done"))
    assert len(sent_mail()) == 1


@pytest.mark.parametrize("malformed", MALFORMED_URLS)
def test_provider_login_and_its_callback(client, wordpress, malformed):
    page = client.get(reverse("wordpress_com_login"), {"next": malformed})
    assert page.status_code == 200
    response = sign_in(client, next_url=malformed)
    assert_safe_redirect(response, reverse("accounts:account"))
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("malformed", MALFORMED_URLS)
def test_refused_provider_login(client, wordpress, malformed):
    wordpress.refuse = True
    response = sign_in(client, next_url=malformed)
    assert_safe_redirect(response, reverse("socialaccount_login_cancelled"))
    assert client.get(response["Location"]).status_code == 200
