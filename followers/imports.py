"""Reading a list of followers: the CSV WordPress.com and Jetpack export for email
subscribers (a header row naming an email column, perhaps a date and a status), or a
plain file of one address a line. Every line is imported, skipped or rejected, with a
reason; the command (import_followers) writes it all in one transaction."""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone

from .addresses import normal, problem_with

EMAIL_HEADERS = ("email", "e-mail", "mail", "subscriber")
DATE_HEADERS = ("date", "subscribed", "created")
STATUS_HEADERS = ("status", "state")
GONE = ("unsub", "block", "delet", "bounc", "spam")
UNCONFIRMED = ("pending", "unconfirmed", "not confirmed")


class FileRefused(ValueError):
    """The file can't be read at all; nothing is imported."""


@dataclass
class Row:
    line: int
    email: str
    date: datetime | None = None
    confirmed: bool = True  # as the export says; --confirmed decides what that is worth


@dataclass
class Report:
    rows: list = field(default_factory=list)  # Row, one per usable address
    skipped: list = field(default_factory=list)  # (line, reason)
    rejected: list = field(default_factory=list)  # (line, reason)


def decode(data, name):
    """The file's text: UTF-8 (a BOM is fine) or UTF-16 with its BOM, else a clear refusal."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}). "
            "Save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again; "
            "nothing was imported."
        ) from None


def column(header, names):
    """The index of the first header cell that names one of `names`, or None."""
    for index, cell in enumerate(header):
        if any(name in cell.strip().lower() for name in names):
            return index
    return None


def read(text):
    """Every line of the file as a Row, a skip or a rejection (see Report)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    report, seen = Report(), {}
    try:
        first = next(reader, None)
        if first is None:
            return report
        email_at = column(first, EMAIL_HEADERS)
        if email_at is not None and not any("@" in cell for cell in first):
            columns = (email_at, column(first, DATE_HEADERS), column(first, STATUS_HEADERS))
        else:  # one address a line (or a CSV without its header)
            columns = None
            read_line(report, seen, 1, first, columns)
        line = reader.line_num + 1  # where the next record starts (a field may hold breaks)
        for cells in reader:
            read_line(report, seen, line, cells, columns)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FileRefused(
            f"Line {reader.line_num} can't be read as CSV ({exc}); nothing was imported."
        ) from None
    return report


def read_line(report, seen, number, cells, columns):
    if not any(cell.strip() for cell in cells):
        return  # a blank line says nothing
    if columns is None:
        with_at = [cell for cell in cells if "@" in cell]
        raw = (with_at or cells)[0]
        date_at = status_at = None
    else:
        email_at, date_at, status_at = columns
        raw = cell_at(cells, email_at, strip=False)
    problem = problem_with(raw) if columns or len(with_at) < 2 else "Give one address a line."
    if problem:
        report.rejected.append((number, problem))
        return
    email = normal(raw)
    if email in seen:
        report.skipped.append((number, f"the same address as line {seen[email]}"))
        return
    seen[email] = number
    status = cell_at(cells, status_at).lower()
    if any(word in status for word in GONE):
        report.skipped.append((number, f"“{status[:40]}” in the export: not followed again"))
        return
    confirmed = not any(word in status for word in UNCONFIRMED)
    report.rows.append(Row(number, email, parse_date(cell_at(cells, date_at)), confirmed))


def cell_at(cells, index, strip=True):
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip() if strip else cells[index]


def parse_date(value):
    """A subscription date as exports write it (ISO 8601, with or without time), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
