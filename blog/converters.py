"""Path converters, registered once on import: the date parts of permalinks, and ids.

Imported by every urls module that uses them, so the order of include() doesn't matter.
"""

from django.urls import register_converter

from .text import parse_id


class FourDigitConverter:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigitConverter(FourDigitConverter):
    """Zero-padded like WordPress permalinks (/2017/01/05/…), so old links keep working."""

    regex = "[0-9]{2}"

    def to_url(self, value):
        return f"{int(value):02d}"


class IdConverter:
    """A database id: 30 digits match no route (404), never an overflow in the driver."""

    regex = "[0-9]+"

    def to_python(self, value):
        pk = parse_id(value)
        if pk is None:
            raise ValueError(value)  # Django: no match
        return pk

    def to_url(self, value):
        return str(int(value))


register_converter(FourDigitConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")
register_converter(IdConverter, "id")
