"""Following the blog the way a reader and an editor do, for the followers tests."""

import re
from email import message_from_string

from django.test import TestCase
from django.urls import reverse

from followers.models import Follower

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/follow/confirm/[^/\s]+/)")
UNSUBSCRIBE_LINK = re.compile(r"https?://[^/\s]+(/follow/unsubscribe/[^/\s]+/)")


def follow(client, email, where="sidebar", next_url="/"):
    """Send a follow form, as a browser does (the redirect is not followed)."""
    data = {"email": email, "honeypot": "", "where": where, "next": next_url}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("followers:follow"), data)


def confirm_path(mail):
    return CONFIRM_LINK.search(mail.body).group(1)


def confirmed_followers(*emails):
    return [Follower.objects.create(email=e, state=Follower.State.CONFIRMED) for e in emails]


def html_part(mail):
    """The HTML alternative of a sent EmailMultiAlternatives (the text part is mail.body)."""
    [(html, kind)] = mail.alternatives
    assert kind == "text/html"
    return html


def parsed(raw):
    """A received mail's bytes as an email.message.Message."""
    return message_from_string(raw if isinstance(raw, str) else raw.decode())
