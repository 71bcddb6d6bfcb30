"""A commenter's website: no credentials in it, and its host as a browser reads it.

A guest who types https://name:secret@example.com is told to leave the credentials out
(the address is shown to everyone); imported addresses lose them. Moderators see the
host in punycode (IDNA): "xn--pple-43d.com" gives away the Cyrillic "а" that "аpple.com"
hides.
"""

from urllib.parse import urlsplit, urlunsplit

import idna
from django.utils.translation import gettext_noop

# English (tests compare it); comments.forms shows it translated.
CREDENTIALS_MESSAGE = gettext_noop(
    "Leave out the user name and password (the part before @): the address is shown "
    "to everyone. Give it as https://example.com/…"
)


def has_credentials(url):
    """Whether the address carries a user name or password (user:secret@host)."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False


def without_credentials(url):
    """The address without user:secret@; unchanged when it has none or can't be read."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def ascii_host(host):
    """The host in punycode, label by label, even where IDNA 2008 refuses a label."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        labels = host.split(".")
        return ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in labels
        )


def for_moderators(url):
    """The address as a browser reads it: no credentials, the host in punycode."""
    url = without_credentials(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url
    if host.isascii():
        return url
    return urlunsplit(parts._replace(netloc=ascii_host(host) + port))
