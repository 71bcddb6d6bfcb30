"""Parts of pages that are the same for every reader (a list of digest cards, a menu, a
digest's thread), and the one place where they may be kept: shared() for a cache,
drawn() for a store of parts drawn once per version.

Blog knows nothing of any cache: `shared()` renders, unless an app layered above installs
a keeper with `keep_with()` (caching/ does, in its AppConfig.ready()).
"""

import functools
import hashlib
import importlib
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import get_template

_keeper = None
_local = threading.local()
# What changes more often than the rest of a page, for `about`: every comment (the site's
# comment feed, the counts on lists of digests), and the comments on one digest.
COMMENTS = "comments"


def comments_of(slug):
    """The comments on the digest with this slug (its page, comment feed and list)."""
    return f"{COMMENTS}:{slug}"


def keep_with(keeper):
    """From now on shared(name, render, about) returns keeper(name, render, about)."""
    global _keeper
    _keeper = keeper


@contextmanager
def uncached():
    """Within it, shared() renders afresh and keeps nothing: for pages made from content
    that is never stored (the admin's live preview, rendered in a rolled-back transaction)."""
    before = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = before


def shared(name, render, about=()):
    """render()'s HTML, from the installed keeper when there is one; name says what it shows.

    about: what the part shows that changes more often than the rest (COMMENTS,
    comments_of(slug)), for the keeper to know when it is stale.
    """
    if _keeper is None or getattr(_local, "off", False):
        return render()
    return _keeper(name, render, about)


# Drawings: a part drawn for one object (a card, a feed entry), the same for every reader,
# which need not be drawn again while what it is drawn from is unchanged.

_drawings = None


def keep_drawings_with(store):
    """From now on drawn(...) returns store(...) (caching/ installs one)."""
    global _drawings
    _drawings = store


def drawn(kind, objects, version, render, sources=(), request=None):
    """{object's pk: HTML}: render(object) for each object, or what was drawn for it before
    while version(object) (the data it is drawn from, as a tuple) and the templates and
    modules named in sources are unchanged; without a store installed, all drawn now.

    request: the page's request, if any: its lookups are read together (expect())."""
    objects = list(objects)
    if _drawings is None or getattr(_local, "off", False):
        return {obj.pk: render(obj) for obj in objects}
    return _drawings(kind, objects, version, render, tuple(sources), request)


def drawn_one(kind, pk, version, render, sources=(), request=None):
    """drawn() for a single drawing kept under pk (a whole feed, a page of a list, a
    thread): version is its data as a tuple, render() draws it."""
    whole = SimpleNamespace(pk=pk)
    return drawn(kind, [whole], lambda _: version, lambda _: render(), sources, request)[pk]


def drawing_key(kind, pk):
    """Where the drawing of one object of a kind is kept."""
    return f"{kind}:{pk}"


def expect(request, kind, pks):
    """The page will look up these drawings (drawn(kind, ...) with objects of these pks):
    the store reads them with its first lookup for this request, in the same query."""
    if request is not None:
        expected = request.__dict__.setdefault(EXPECTED, set())
        expected.update(drawing_key(kind, pk) for pk in pks)


# The request's attribute holding expect()'s keys, which the store reads.
EXPECTED = "_drawings_expected"


def media_urls_expire():
    """Whether media addresses carry a signature that expires (a private S3 bucket): then
    no part showing one may be kept."""
    options = settings.STORAGES["default"].get("OPTIONS", {})
    return bool(options.get("querystring_auth"))


@functools.cache
def columns_of(model):
    """The names of a model's own columns: what a version of one of its objects holds."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def fields_of(obj, leaving_out=()):
    """The values of an object's own columns, for a version; leaving_out: the names of
    columns the part never shows, which would only have it drawn again for nothing."""
    names = columns_of(type(obj))
    return tuple(str(getattr(obj, name)) for name in names if name not in leaving_out)


def rows_of(queryset, key):
    """{value of the column key: [rows]}, each row the values of the model's own columns
    (columns_of) as read, no object made: a version of many objects, of which the few to
    be drawn again are made from the same rows (Model.from_db), with no query more."""
    names = columns_of(queryset.model)
    at = names.index(key)
    grouped = {}
    for row in queryset.values_list(*names):
        grouped.setdefault(row[at], []).append(row)
    return grouped


@functools.cache
def catalogs_version():
    """A hash of the compiled translation catalogs (LOCALE_PATHS), once per process: a part
    drawn in one version of a translation is drawn again after `make messages`."""
    version = hashlib.blake2b(digest_size=8)
    for folder in settings.LOCALE_PATHS:
        for path in sorted(Path(folder).glob("*/LC_MESSAGES/*.mo")):
            version.update(path.read_bytes())
    return version.hexdigest()


@functools.cache
def sources_version(sources):
    """A hash of what a stored part is drawn with, once per process: the contents of these
    templates (by name) and modules (by dotted name), and the compiled catalogs."""
    version = hashlib.blake2b(digest_size=8)
    for name in sources:
        if name.endswith((".html", ".txt", ".xml")):
            path = get_template(name).origin.name
        else:
            path = importlib.import_module(name).__file__
        version.update(Path(path).read_bytes())
    version.update(catalogs_version().encode())
    return version.hexdigest()
