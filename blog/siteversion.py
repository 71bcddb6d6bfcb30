"""The site's version: one token (SiteVersion), new whenever an editor changes anything a
part of a page drawn once for everyone may show besides its own object's columns: a
digest, an item, a related link, a category, a tag, a menu link or a page saved or
deleted, a digest's categories or tags changed (signals, blog.apps), and when a scheduled
digest goes public, which saves nothing: the row keeps the time of the next one.

Drawn with it: the menu and the sidebar (blog.chrome), a digest's page around its
comments (blog.article), the cards on the lists and, with the comment counts' token
(counts(): renewed by comments.tally), each page of a list whole (blog.cards). Kept with
it in each process (kept()): the number of digests on each list, and the sign-in
providers (accounts renews it when a social application changes).

Every page reads the row, so it is read in SQL written once (_row), not built by the ORM
for each request: building the query cost more than the database's answer.
"""

import functools
import secrets

from django.db import connections, router
from django.db.models import Min
from django.utils import timezone

from .models import Digest, SiteVersion


def current(request=None):
    """The token, read in one query, once per request. The first reader after a scheduled
    digest's time makes a new one, as a save would have: that digest now shows."""
    return _read(request)[0]


def counts(request=None):
    """The comment counts' token (SiteVersion.counts), read with the site's: new whenever
    a digest's count of comments may have changed."""
    return _read(request)[1]


def _read(request):
    if request is not None and hasattr(request, "_blog_site_version"):
        return request._blog_site_version
    row = _row()
    if row is None or row[2]:  # none yet, or a scheduled digest's time has come
        changed()
        row = _row()
    if request is not None:
        request._blog_site_version = row[:2]
    return row[:2]


def _row():
    """(token, counts token, whether the next publication is due) of the one row, or None."""
    connection = connections[router.db_for_read(SiteVersion)]
    due = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.alias), [due])
        return cursor.fetchone()


@functools.cache
def _sql(alias):
    name = connections[alias].ops.quote_name
    table = name(SiteVersion._meta.db_table)
    columns = ", ".join(name(column) for column in ("value", "counts"))
    return (
        f"SELECT {columns}, {name('next_publication')} <= %s FROM {table} "  # noqa: S608
        f"WHERE {name('id')} = 1"
    )


# What kept() worked out, in this process: {key: (token, value)}.
_kept = {}
KEPT_MAX = 256


def kept(request, key, compute):
    """compute()'s value, worked out once per site version in each process: for what only
    changes with what renews the version (the number of digests a list shows, the sign-in
    providers offered). The token is read by every request anyway, so a value is never
    older than the request's own view of the site, on any node."""
    token = current(request)
    held = _kept.get(key)
    if held is not None and held[0] == token:
        return held[1]
    value = compute()
    if len(_kept) >= KEPT_MAX:
        _kept.clear()
    _kept[key] = (token, value)
    return value


def changed(**kwargs):
    """Something drawn with the site's version may have changed (also a signal receiver):
    a new token, and the time of the next scheduled digest. Returns the token."""
    token = secrets.token_hex(8)
    upcoming = Digest.objects.scheduled().aggregate(at=Min("published_at"))["at"]
    fields = {"value": token, "next_publication": upcoming}
    if not SiteVersion.objects.filter(pk=1).update(**fields):
        SiteVersion.objects.get_or_create(pk=1, defaults=fields)
    return token


def counts_changed():
    """Some digests' comment counts may have changed (comments.tally): a new counts token."""
    fields = {"counts": secrets.token_hex(8)}
    if not SiteVersion.objects.filter(pk=1).update(**fields):
        changed()
        SiteVersion.objects.filter(pk=1).update(**fields)


def m2m_changed(action, **kwargs):
    if action.startswith("post_"):
        changed()


def connect():
    """Whatever is drawn with the site's version makes a new one when it changes."""
    from django.contrib.flatpages.models import FlatPage
    from django.db.models import signals

    from .models import Category, MediaItem, MenuLink, RelatedLink, Tag

    for model in (Digest, MediaItem, RelatedLink, Category, Tag, MenuLink, FlatPage):
        for signal in (signals.post_save, signals.post_delete):
            signal.connect(changed, sender=model, dispatch_uid=f"siteversion.{model.__name__}")
    for field in (Digest.categories, Digest.tags):
        signals.m2m_changed.connect(
            m2m_changed, sender=field.through, dispatch_uid=f"siteversion.{field.field.name}"
        )
