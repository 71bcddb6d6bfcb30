"""Posting comments the way a browser does: the form's own security fields included."""

import re

from django.test import TestCase
from django.urls import reverse

from comments.forms import DigestCommentForm
from comments.models import DigestComment, VerifiedEmail


def form_data(digest, reply_to=0, **fields):
    security = DigestCommentForm(digest).generate_security_data()
    data = {
        **security,
        "reply_to": str(reply_to),
        "honeypot": "",
        "name": "Ada Reader",
        "email": "ada@example.com",
        "url": "",
        "comment": "A thoughtful comment about physics.",
    }
    data.update(fields)
    return data


def post_comment(client, digest, reply_to=0, **fields):
    """POST the comment form (on-commit callbacks run); its mails wait for a worker."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("comments:post"), form_data(digest, reply_to, **fields))


def post_after_commit(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {})


def confirmation_link(mail):
    return re.search(r"http://testserver(/comments/confirm/\S+/)", mail.body).group(1)


def approved_author(email="ada@example.com"):
    """An address that has confirmed itself and had a comment approved before."""
    VerifiedEmail.objects.create(email=email, has_approved_comment=True)


def public(digest):
    return list(DigestComment.objects.for_digest(digest).public())
