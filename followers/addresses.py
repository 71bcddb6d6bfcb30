"""Is this one usable address? The one rule for the follow form and the importers."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_LENGTH = 254  # RFC 5321's longest forward path, less the angle brackets
_SEPARATORS = re.compile(r"[,;\s]")


def problem_with(raw):
    """Why `raw` is not one address we may mail ("" when it is), in words for the reader."""
    if not raw or not raw.strip():
        return _("No address given.")
    if "\r" in raw or "\n" in raw:
        # A line break in an address could add headers (Bcc:) to a mail.
        return _("An address can't contain a line break.")
    value = raw.strip()
    if len(value) > MAX_LENGTH:
        return _("An address is at most %(limit)s characters long; this one has %(length)s.") % {
            "limit": MAX_LENGTH,
            "length": number_format(len(value), force_grouping=True),
        }
    if sum("@" in part for part in _SEPARATORS.split(value)) > 1:
        return _("Give one address only.")
    try:
        validate_email(value)
    except ValidationError:
        return _("This is not a valid email address.")
    return ""


def normal(raw):
    """The stored form of an address that passed problem_with()."""
    return raw.strip().lower()
