"""Text a stranger sends, made safe character by character: the one place for that rule.

normalise() is what every form field a stranger fills (through limited_field), every
importer and the sanitiser (blog.sanitize, before and after nh3) run text through:
Unicode NFC; C0 controls (but tab, line feed and carriage return in multi-line text),
DEL, C1 controls and noncharacters dropped; lone surrogates replaced; line and paragraph
separators made newlines (multi-line) or spaces; in one-line text tabs and line breaks
become spaces. NUL is refused with a message in forms and dropped elsewhere. Which HTML
may stay is blog.sanitize's business; this module is about characters.

xml_chars() is the writers' last guard (feeds, the WXR export) for rows stored before
these rules or imported. shorten() cuts on grapheme-cluster boundaries, so an excerpt
never ends in half an emoji or a letter without its accent.
"""

import functools
import re
import unicodedata

import regex
from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Outside tab, line feed and carriage return: C0, DEL, C1, the noncharacters (those of
# the BMP, then the last two of every other plane).
_BMP_CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
_CONTROL_CHARS = _BMP_CONTROL_CHARS + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17)
)
_CONTROLS = regex.compile(f"[{_CONTROL_CHARS}]")
_LINE_BREAKS = regex.compile("[\u2028\u2029]")
_ONE_LINE = regex.compile("[\t\n\r\u2028\u2029]")
# What XML 1.0 forbids (C0 but tab and line breaks, surrogates, U+FFFE, U+FFFF) or
# discourages (DEL, C1, the other noncharacters): the same set as above, and surrogates.
_NOT_XML = regex.compile(f"[{_CONTROL_CHARS}\ud800-\udfff]")
# More than that set: the same but any character beyond the BMP (an emoji, rarely one of
# its noncharacters), so only ranges. The standard library's engine says a long text has
# none several times faster than either engine looks for the 32 lone astral noncharacters
# (a feed writes some 70 kB at every request), so xml_chars() only removes when it may.
_MAYBE_NOT_XML = re.compile(f"[{_BMP_CONTROL_CHARS}\ud800-\udfff\U00010000-\U0010ffff]")
# Nothing a reader would see: format characters (zero-width space and joiner, bidi
# marks), other default-ignorables (DI: Hangul fillers), white space, marks with no
# letter to sit on, controls, and the blank Braille pattern often used as an "empty" name.
_INVISIBLE = regex.compile(r"[\p{DI}\p{White_Space}\p{Cf}\p{Cc}\p{M}\u2800]")
_GRAPHEME = regex.compile(r"\X")

# The English words (tests compare them); translated where they are shown.
NUL_MESSAGE = gettext_noop(
    "Your text contains a NUL character (often left by copying from a file or another "
    "program), which can't be stored. Nothing was sent: remove it and send it again."
)
INVISIBLE_MESSAGE = gettext_noop("Give something we can show: this has only invisible characters.")
# Database ids: positive and within the 64-bit integers SQLite and PostgreSQL both hold.
MAX_ID = 2**63 - 1


class NulCharacter(ValueError):
    """The text has a NUL, which no database column takes; forms refuse it."""


def normalise(value, *, multiline=False, drop_nul=False):
    """The text, safe to store and show (see the module docstring). NUL: NulCharacter,
    or dropped with drop_nul (importers, stored HTML)."""
    value = str(value or "")
    if "\x00" in value:
        if not drop_nul:
            raise NulCharacter(gettext(NUL_MESSAGE))
        value = value.replace("\x00", "")
    # Surrogates: a valid pair becomes its character, a lone one U+FFFD.
    value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    value = _LINE_BREAKS.sub("\n", value) if multiline else _ONE_LINE.sub(" ", value)
    return unicodedata.normalize("NFC", _CONTROLS.sub("", value))


def normalise_all(value, **options):
    """normalise() every string inside decoded JSON (dicts, lists, strings)."""
    if isinstance(value, str):
        return normalise(value, **options)
    if isinstance(value, dict):
        return {key: normalise_all(item, **options) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_all(item, **options) for item in value]
    return value


def xml_chars(value):
    """The text without what XML 1.0 forbids or discourages: for writers, whatever is stored."""
    if _MAYBE_NOT_XML.search(value) is None:
        return value
    return _NOT_XML.sub("", value)


def is_visible(value):
    """Whether a reader would see anything of the text."""
    return bool(_INVISIBLE.sub("", value or ""))


def shorten(value, limit, end="…"):
    """At most limit characters, cut between grapheme clusters, ending in end if cut."""
    value = value or ""
    if len(value) <= limit:
        return value
    kept, size = [], len(end)
    for cluster in _GRAPHEME.finditer(value):
        size += len(cluster[0])
        if size > limit:
            break
        kept.append(cluster[0])
    return "".join(kept).rstrip() + end


def one_line(value, limit):
    """Untrusted text (another site's title, name or summary) as one line of at most limit
    characters: normalised with NULs dropped, each run of spaces and line breaks one space."""
    text = normalise(value, drop_nul=True) if isinstance(value, str) else ""
    return shorten(" ".join(text.split()), limit)


def first_grapheme(value):
    """The first character as a reader sees it (a whole flag, a letter with its accent)."""
    match = _GRAPHEME.match(value or "")
    return match[0] if match else ""


def parse_id(value):
    """A database id from a stranger's text (ASCII digits, in range), or None."""
    value = str(value if value is not None else "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


class _Normalised:
    """A form field whose input goes through normalise() before any other check.

    A Textarea means multi-line text; any other widget, one line. A required field
    whose text has nothing visible is refused (error message "invisible").
    """

    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = normalise(value, multiline=isinstance(self.widget, forms.Textarea))
            except NulCharacter:
                raise ValidationError(self.error_messages["nul"], code="nul") from None
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if self.required and isinstance(value, str) and not is_visible(value):
            raise ValidationError(self.error_messages["invisible"], code="invisible")


@functools.cache
def normalised(field_class):
    """The form field class, with its input normalised (see _Normalised)."""
    name = field_class.__name__
    return type(name, (_Normalised, field_class), {"__module__": __name__})


# A number as the site's language writes it (10,000; 10.000; 10 000), when the message shows.
_grouped = lazy(lambda number: number_format(number, force_grouping=True), str)


def limited_field(field_class, limit, what, **kwargs):
    """A field for text a stranger sends: normalised, and too long input refused with a
    message, never cut. Every such form field is made here."""
    messages = {
        "max_length": format_lazy(
            _(
                "{what} can be at most {limit} characters long; yours has %(show_value)s. "
                "Nothing was cut: shorten it and send it again."
            ),
            what=what,
            limit=_grouped(limit),
        ),
        "nul": _(NUL_MESSAGE),
        "invisible": _(INVISIBLE_MESSAGE),
        **kwargs.pop("error_messages", {}),
    }
    field = normalised(field_class)(max_length=limit, error_messages=messages, **kwargs)
    field.widget.attrs.pop("maxlength", None)  # the browser would cut silently
    return field
