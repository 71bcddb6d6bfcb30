"""Is this one usable address? The one rule for the follow form and the importers."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_LENGTH = 254  # RFC 5321's longest forward path, less the angle brackets
_SEPARATORS = re.compile(r"[,;\s]")


def problem_with(raw):
    """Why `raw` is not one address we may mail ("" when it is), in words for the reader."""
    if not raw or not raw.strip():
        return "No address given."
    if "\r" in raw or "\n" in raw:
        # A line break in an address could add headers (Bcc:) to a mail.
        return "An address can't contain a line break."
    value = raw.strip()
    if len(value) > MAX_LENGTH:
        return f"An address is at most {MAX_LENGTH} characters long; this one has {len(value):,}."
    if sum("@" in part for part in _SEPARATORS.split(value)) > 1:
        return "Give one address only."
    try:
        validate_email(value)
    except ValidationError:
        return "This is not a valid email address."
    return ""


def normal(raw):
    """The stored form of an address that passed problem_with()."""
    return raw.strip().lower()
