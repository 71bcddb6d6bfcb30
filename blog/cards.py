"""A digest's card on the lists (home, archives, categories, tags, search): its title,
date, categories, comment count, intro and the titles of its items. Drawn once per
version for everyone and kept (blog.fragments.drawn).

A card's version is its digest's columns and the site's version (blog.siteversion:
renewed whenever an item, a category or a digest is saved). The few cards drawn again
are drawn from what they show of their categories and items, read as rows: two queries
for the whole list, no model made.

A page of a list (listed()) is drawn whole once per version of the site and of the
comment counts (blog.siteversion.counts, renewed by comments.tally): which digests a page
lists and what their cards show change with nothing else, so a page that was drawn
before reads not even its digests.
"""

import hashlib

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import fragments, siteversion
from .models import Category, Digest, MediaItem
from .querysets import NEVER_SHOWN, related_rows

CARD = "blog/_digest_card.html"
KIND = "card"
LIST, LIST_KIND = "blog/_digest_cards.html", "cards"
# What a card never shows of its digest: kept out of its version, so that changing them
# (a comment elsewhere in the thread, a reindex) draws nothing again.
LEAVES_OUT = (*NEVER_SHOWN, "comments_version")


def expect(request, digests):
    """The page will show these digests' cards: read with its first drawing."""
    fragments.expect(request, KIND, [digest.pk for digest in digests])


def expect_listed(request, page):
    """The page will show this page of a list whole: read with its first drawing."""
    fragments.expect(request, LIST_KIND, [_list_key(request, page)])


def listed(request, page):
    """The cards of a page of a list (a Paginator's page, the page's digests not read yet)
    joined, drawn once per version of the site and the comment counts."""
    version = (siteversion.current(request), siteversion.counts(request))

    def draw():
        return render_to_string(LIST, {"cards": with_cards(request, page.object_list)})

    key = _list_key(request, page)
    drawn = fragments.drawn_one(LIST_KIND, key, version, draw, (LIST, CARD), request)
    return mark_safe(drawn)  # noqa: S308 (our template's output)


def _list_key(request, page):
    """Which list (the view and its arguments) and which page of it, in a short key."""
    match = request.resolver_match
    shown = (match.view_name, sorted(match.kwargs.items()), page.number, page.paginator.per_page)
    return hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()


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
