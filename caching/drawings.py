"""Parts of pages drawn once per version and kept in the database (caching.models.Drawing),
for blog.fragments.drawn(): a digest's card on the lists, a feed entry's content.

A drawing is used while its version matches: a hash of the data the caller says it is
drawn from, the contents of the templates and modules it names, the language, the time
zone, where media addresses start and the widths images are resized to. Nothing needs
to be told about a change: a digest, item or link edited, a template deployed, and the
next reader draws it again (one query looks up every drawing of a page, with what the
page said it would ask for: blog.fragments.expect; one more stores those drawn anew), on
any node. Unlike the page cache, this works with caching off (PAGE_CACHE_SECONDS =
FRAGMENT_CACHE_SECONDS = 0). With media addresses that expire (AWS_QUERYSTRING_AUTH),
everything is drawn for every request.
"""

import functools
import hashlib

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections, router
from django.utils import translation

from blog import fragments

from .models import Drawing


@functools.cache
def media_base():
    """Where media addresses start (MEDIA_URL, or the bucket's address)."""
    return default_storage.url("x")


def drawn(kind, objects, version, render, sources, request=None):
    if not objects:
        return {}
    if fragments.media_urls_expire():
        return {obj.pk: render(obj) for obj in objects}
    base = (fragments.sources_version(sources), translation.get_language(), settings.TIME_ZONE)
    base += (media_base(), tuple(settings.BLOG_IMAGE_WIDTHS))
    wanted = {}
    for obj in objects:
        digest = hashlib.blake2b(repr((base, version(obj))).encode(), digest_size=16)
        wanted[fragments.drawing_key(kind, obj.pk)] = (obj, digest.hexdigest())
    stored = _read(request, wanted)
    out, new = {}, []
    for key, (obj, wanted_version) in wanted.items():
        kept = stored.get(key)
        if kept is not None and kept[0] == wanted_version:
            out[obj.pk] = kept[1]
            continue
        out[obj.pk] = html = str(render(obj))
        new.append(Drawing(key=key, version=wanted_version, html=html))
    if new:
        # Two nodes drawing the same part at once both store a right one; an older version
        # stored last is drawn again by the next reader.
        Drawing.objects.bulk_create(
            new, update_conflicts=True, unique_fields=["key"], update_fields=["version", "html"]
        )
        if request is not None:
            request._drawings_read.update({row.key: (row.version, row.html) for row in new})
    return out


def _read(request, keys):
    """{key: (version, HTML)} of those kept. For a request, what it was told to expect
    (blog.fragments.expect) is read with its first lookup, and every row read is
    remembered until the request ends: a page's drawings cost one query, not one each."""
    if request is None:
        return _fetch(keys)
    read = request.__dict__.setdefault("_drawings_read", {})
    missing = set(keys) - read.keys()
    if missing:
        missing |= getattr(request, fragments.EXPECTED, set()) - read.keys()
        found = _fetch(missing)
        read.update({key: found.get(key) for key in missing})
    return {key: read[key] for key in keys if read[key] is not None}


def _fetch(keys):
    """In SQL written here, not built by the ORM: every page makes this lookup, and
    building the query cost more than the database's answer."""
    keys = list(keys)
    connection = connections[router.db_for_read(Drawing)]
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.alias).format(", ".join(["%s"] * len(keys))), keys)
        return {key: (version, html) for key, version, html in cursor.fetchall()}


@functools.cache
def _sql(alias):
    name = connections[alias].ops.quote_name
    columns = ", ".join(name(column) for column in ("key", "version", "html"))
    table, key = name(Drawing._meta.db_table), name("key")
    return f"SELECT {columns} FROM {table} WHERE {key} IN ({{}})"  # noqa: S608
