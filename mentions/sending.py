"""Webmentions we send: for a public digest, every page it links to is asked for its
endpoint (blog.fetch: public addresses only) and told "source links to target".

Each (digest, linked page) is recorded with the digest's content at the time; saving
the digest again sends only where its content changed since, or where sending failed.
A page the digest no longer links to is told once more, so it can drop the mention, and
then forgotten.
"""

import hashlib
import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.utils import timezone

from blog.fetch import FetchError, get, post
from blog.models import Digest
from blog.permalinks import host_of
from blog.site import site_url

from . import parsing
from .models import SentMention

logger = logging.getLogger(__name__)
Status = SentMention.Status
ANSWER_BYTES = 64 * 1024


def links(digest):
    """Every http(s) page the digest links to, in order, without our own pages."""
    found = []
    html = [digest.intro_html]
    for item in digest.media_items.all():
        found.append(item.url)
        html.append(item.description_html)
        found += [link.url for link in item.links.all()]
    from bs4 import BeautifulSoup  # loaded when sending, not in every worker

    for part in html:
        soup = BeautifulSoup(part or "", "html.parser")
        found += [tag["href"] for tag in soup.find_all("a", href=True)]
    ours = Site.objects.get_current().domain.lower()
    pages = []
    for url in found:
        url = (url or "").strip().split("#", 1)[0]
        if host_of(url) and host_of(url) != ours and url not in pages and len(url) <= 500:
            pages.append(url)
    return pages[: settings.WEBMENTION_MAX_TARGETS]


def content_hash(digest, pages):
    """What the digest says, in short: sent again when this changes."""
    parts = [digest.title, digest.intro_html, str(digest.published_at), *pages]
    for item in digest.media_items.all():
        parts += [item.title, item.source, item.description_html, item.caption]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def send_for(digest_id):
    """Send the digest's webmentions; returns {status: count}, or None if not public."""
    digest = Digest.objects.published().prefetch_related("media_items__links")
    digest = digest.filter(pk=digest_id).first()
    if digest is None or not settings.WEBMENTION_SEND:
        return None
    pages = links(digest)
    version = content_hash(digest, pages)
    earlier = {sent.target: sent for sent in SentMention.objects.filter(digest=digest)}
    source = site_url(digest.get_absolute_url())
    counts = {}
    # Pages no longer linked are told once more (the receiver then finds no link).
    for target in pages + [url for url in earlier if url not in pages]:
        sent = earlier.get(target)
        if sent and sent.content_hash == version and sent.status != Status.FAILED:
            counts["unchanged"] = counts.get("unchanged", 0) + 1
            continue
        status = send_one(digest, source, target, version)
        counts[status] = counts.get(status, 0) + 1
        if target not in pages and status != Status.FAILED:
            SentMention.objects.filter(digest=digest, target=target).delete()  # told once
    return counts


def send_one(digest, source, target, version):
    """Discover target's endpoint and post to it; the outcome is recorded and returned."""
    record = {"endpoint": "", "status_code": None, "error": ""}
    try:
        page = get(target, max_bytes=settings.WEBMENTION_MAX_SOURCE_BYTES, accept="text/html")
        endpoint = parsing.endpoint(page)
        if endpoint is None or urlsplit(endpoint).scheme not in ("http", "https"):
            record["status"] = Status.NO_ENDPOINT
        else:
            record["endpoint"] = endpoint[:500]
            answer = post(
                endpoint,
                urlencode({"source": source, "target": target}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                max_bytes=ANSWER_BYTES,
            )
            record["status_code"] = answer.status
            if 200 <= answer.status < 300:
                record["status"] = Status.SENT
            else:
                record["status"] = Status.FAILED
                record["error"] = _answer(answer)
    except FetchError as exc:
        record.update(status=Status.FAILED, error=str(exc)[:300])
    if record["status"] == Status.FAILED:
        logger.info("Webmention for digest %s to %s failed: %s", digest.pk, target, record["error"])
    SentMention.objects.update_or_create(
        digest=digest,
        target=target,
        defaults={**record, "content_hash": version, "sent_at": timezone.now()},
    )
    return record["status"]


def _answer(answer):
    text = answer.body[:200].decode("utf-8", "replace").strip()
    return f"{answer.status}: {text}"[:300] if text else str(answer.status)
