"""Request bodies larger than an endpoint takes are refused with 413 before being read:
a small limit for readers (comments, log-in), a large one for staff uploading images.
(Against real gunicorn, with 20 and 100 MB bodies: tests/test_ops_limits.py.)"""

import pytest
from django.urls import reverse

from comments.models import DigestComment

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:blog_digest_add")


def test_a_comment_over_the_public_limit_is_refused_and_nothing_is_stored(client, digest):
    response = client.post(
        reverse("comments:post"),
        {"object_pk": digest.pk, "comment": "x" * 300_000, "name": "Big", "email": "b@e.com"},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "This request is too large" in text and "at most 262,144 are accepted" in text
    assert not DigestComment.objects.exists()


def test_staff_may_send_more_than_readers(client, editor, settings):
    client.force_login(editor)
    response = client.post(ADD_URL, {"title": "Big", "intro": "y" * 400_000})
    assert response.status_code == 200  # the form again, with its errors: not refused
    assert "This field is required" in response.content.decode()

    settings.MAX_REQUEST_BYTES = 300_000
    response = client.post(ADD_URL, {"title": "Big", "intro": "y" * 400_000})
    assert response.status_code == 413
    assert "at most 300,000 are accepted" in response.content.decode()


def test_a_signed_in_reader_gets_the_public_limit(client, settings, django_user_model):
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw-long-enough")
    client.force_login(reader)
    settings.MAX_PUBLIC_REQUEST_BYTES = 1000
    response = client.post(reverse("account_logout"), {"next": "/", "pad": "z" * 2000})
    assert response.status_code == 413
    assert "_auth_user_id" in client.session  # nothing was done
