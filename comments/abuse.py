"""Flood, rate and duplicate checks. Counters live in the cache every worker shares
(settings.COUNTER_CACHE_ALIAS: Redis, or a database table)."""

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from mailer.limits import client_ip, counters
from mailer.limits import hashed as _digest
from mailer.limits import hit as _hit


class Refused(Exception):
    """The request is refused with HTTP 429 and this message."""


def check_flood_and_rate(request, email):
    """Raise Refused if this IP or email commented moments ago, or this IP too often."""
    flood = settings.COMMENTS_FLOOD_SECONDS
    ip = client_ip(request)
    if flood:
        for who in (f"ip:{ip}", f"email:{_digest(email)}" if email else None):
            if who and not counters.add(f"comments:flood:{who}", 1, flood):
                raise Refused(
                    _(
                        "You are commenting too quickly. Wait %(seconds)s seconds between "
                        "comments, then send it again: your text is still in the form."
                    )
                    % {"seconds": flood}
                )
    limit, window = settings.COMMENTS_RATE_LIMIT
    if limit and _hit(f"comments:rate:{ip}", window) > limit:
        raise Refused(
            _(
                "Too many comments from your network: at most %(limit)s every %(minutes)s "
                "minutes. Try again later; your text is still in the form."
            )
            % {"limit": limit, "minutes": window // 60}
        )


def fingerprint(comment):
    """The same text on the same digest by the same author is stored once."""
    text = " ".join(comment.comment.split()).casefold()
    # A signed-in reader may have no address (their provider gave none): their account then.
    author = comment.user_email.casefold() or f"user:{comment.user_id or ''}"
    raw = f"{comment.object_pk}\n{author}\n{text}"
    return hashlib.sha256(raw.encode()).hexdigest()
