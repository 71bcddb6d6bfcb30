"""Turning WXR's strings into field values: numbers, dates, slugs, addresses."""

import hashlib
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlparse

from django.utils import timezone
from django.utils.text import slugify

from blog.text import normalise, shorten

from .media import http_url

ZERO_DATE = "0000-00-00 00:00:00"
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")


def original_of(url):
    """The full-size original's address for a copy WordPress resized (x-300x200.jpg → x.jpg)."""
    return _SIZE_SUFFIX.sub("", url)


def number(value, default=0):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def wp_date(gmt, local="", rss=""):
    """An aware datetime from WordPress's GMT date, else its local date, else the RSS date.

    Drafts carry a GMT date of zeros; the local date is read in TIME_ZONE.
    """
    for value, zone in ((gmt, UTC), (local, None)):
        value = (value or "").strip()
        if value and value != ZERO_DATE:
            try:
                parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
            if zone is None:
                return timezone.make_aware(parsed, timezone.get_default_timezone())
            return parsed.replace(tzinfo=zone)
    if rss:
        try:
            parsed = parsedate_to_datetime(rss)
        except (TypeError, ValueError):
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def source_hash(*parts):
    """A hash of what was read, to tell an unchanged record on the next run."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def old_path(url):
    """The decoded path of an old address, or "" for a bare /?p=ID link."""
    path = unquote(urlparse((url or "").strip()).path)
    return "" if path in {"", "/"} else path[:500]


def site_of(url):
    """The old site as "host/path", lower-case host, no scheme: the same site over http or https."""
    parts = urlparse((url or "").strip())
    host = (parts.hostname or "").removeprefix("www.")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number
        port = ""
    return f"{host}{port}{parts.path.rstrip('/')}"[:300] if host else ""


def make_slug(*candidates, max_length, fallback):
    """The first candidate that slugifies to something (WordPress slugs may be %-encoded)."""
    for value in candidates:
        slug = slugify(unquote(value or ""))[:max_length].strip("-")
        if slug:
            return slug
    return fallback


def truncate(text, limit):
    """One line of imported text (blog.text's rules, a NUL dropped) that fits limit."""
    return shorten(" ".join(normalise(text, drop_nul=True).split()), limit)


def long_text(text):
    """Imported multi-line text under blog.text's rules, a NUL dropped."""
    return normalise(text, multiline=True, drop_nul=True)


def checked_url(value, limit=500):
    """An absolute http(s) address that fits the field, or ""."""
    url = http_url(value)
    return url if len(url) <= limit else ""
