"""Saving a link to the inbox, and making digests from saved links."""

import logging
import os

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blog.models import Digest, MediaItem

from .models import SavedLink
from .unfurl import TITLE_LENGTH, UnfurlError, fetch_poster, plain, unfurl

logger = logging.getLogger(__name__)


def describe(link):
    """Fetch the link once and fill in what is empty; the link is saved either way."""
    try:
        preview = unfurl(link.url)
    except UnfurlError as exc:
        link.state, link.problem = SavedLink.State.FAILED, str(exc)[:500]
        link.save()
        return link
    for field in ("title", "source", "description"):
        if not getattr(link, field):
            setattr(link, field, getattr(preview, field))
    link.kind, link.state, link.problem = preview.kind, SavedLink.State.READY, ""
    if preview.poster_url and not link.poster:
        try:
            link.poster = fetch_poster(preview)
        except UnfurlError as exc:
            logger.info("No poster for %s: %s", link.url, exc)
            link.problem = (_("No image: %(reason)s") % {"reason": exc})[:500]
    link.save()
    return link


def save_link(url, user, title="", hint=""):
    """A new link in the inbox, described (outside any transaction: fetching takes time).

    hint, the title the page or the phone gave, is used if the page says none itself.
    """
    link = describe(SavedLink.objects.create(url=url, title=title, saved_by=user))
    if not link.title and hint:
        link.title = plain(hint, TITLE_LENGTH)
        link.save(update_fields=["title"])
    return link


def _item(link, digest, position):
    item = MediaItem(
        digest=digest,
        position=position,
        kind=link.kind if link.kind != MediaItem.Kind.IMAGE else MediaItem.Kind.LINK,
        title=link.title or link.url[:300],
        source=link.source,
        description=link.description,
        url=link.url,
    )
    if link.poster:
        with link.poster.open("rb") as poster:
            item.image = ContentFile(poster.read(), name=os.path.basename(link.poster.name))
        item.decorative = True  # the title names the item; the picture adds nothing
    item.save()
    return item


@transaction.atomic
def add_to_digest(links, digest):
    """Append one item per link to digest, in the inbox's order; the links leave the inbox."""
    last = digest.media_items.aggregate(models.Max("position"))["position__max"] or 0
    links = list(links.order_by("position", "id"))
    for offset, link in enumerate(links, start=1):
        _item(link, digest, last + offset)
    SavedLink.objects.filter(pk__in=[link.pk for link in links]).update(digest=digest)
    digest.refresh_search_text()
    return digest


def start_digest(links, user):
    """A new draft with one item per link, in the inbox's order."""
    title = _("Digest of %(date)s") % {"date": date_format(timezone.localdate(), "DATE_FORMAT")}
    base = slugify(title) or "digest"
    slug, n = base, 1
    while Digest.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    with transaction.atomic():
        digest = Digest.objects.create(
            title=title, slug=slug, author=user, status=Digest.Status.DRAFT
        )
        return add_to_digest(links, digest)
