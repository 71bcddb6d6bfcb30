"""A digest's card on the lists (home, archives, categories, tags, search): its title,
date, categories, comment count, intro and the titles of its items. Drawn once per
version for everyone and kept (blog.fragments.drawn).

A card's version is its digest's columns and the site's version (blog.siteversion:
renewed whenever an item, a category or a digest is saved), so a list reads no more
than its digests. The few cards drawn again are drawn from what they show of their
categories and items, read as rows: two queries for the whole list, no model made.
"""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import fragments, siteversion
from .models import Category, Digest, MediaItem
from .querysets import related_rows

CARD = "blog/_digest_card.html"
KIND = "card"
# What a card never shows of its digest: kept out of its version, so that changing them
# (a comment elsewhere in the thread, a reindex) draws nothing again.
LEAVES_OUT = ("search_text", "comments_version")


def expect(request, digests):
    """The page will show these digests' cards: read with its first drawing."""
    fragments.expect(request, KIND, [digest.pk for digest in digests])


def with_cards(request, digests):
    """The digests, each with its card's HTML (digest.card)."""
    digests = list(digests)
    site = siteversion.current(request)
    shown = {}

    def draw(digest):
        if not shown:
            shown.update(_rows(digests))
        return _draw(digest, shown[digest.pk])

    cards = fragments.drawn(
        KIND, digests, lambda digest: _version(site, digest), draw, (CARD,), request
    )
    for digest in digests:
        digest.card = mark_safe(cards[digest.pk])  # noqa: S308 (our template's output)
    return digests


def _rows(digests):
    """{digest pk: {"categories": [(pk, name, slug)], "items": [(pk, title)]}}, in the order
    the card lists them (categories by name, items by position)."""
    pks = [digest.pk for digest in digests]
    if not pks:
        return {}
    categories = related_rows(pks, Digest.categories, "id", "name", "slug")
    shown = {pk: {"categories": categories[pk], "items": []} for pk in pks}
    items = MediaItem.objects.filter(digest_id__in=pks).order_by("position", "id")
    for digest_pk, *item in items.values_list("digest_id", "id", "title"):
        shown[digest_pk]["items"].append(tuple(item))
    return shown


def _version(site, digest):
    return (site, fragments.fields_of(digest, leaving_out=LEAVES_OUT))


def _draw(digest, shown):
    categories = [Category(pk=pk, name=name, slug=slug) for pk, name, slug in shown["categories"]]
    items = [MediaItem(pk=pk, title=title) for pk, title in shown["items"]]
    return render_to_string(CARD, {"digest": digest, "categories": categories, "items": items})
