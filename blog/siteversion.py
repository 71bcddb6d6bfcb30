"""The site's version: one token (SiteVersion), new whenever an editor changes anything a
part of a page drawn once for everyone may show besides its own object's columns: a
digest, an item, a related link, a category, a tag, a menu link or a page saved or
deleted, a digest's categories or tags changed (signals, blog.apps), and when a scheduled
digest goes public, which saves nothing: the row keeps the time of the next one.

Drawn with it: the menu and the sidebar (blog.chrome), a digest's page around its
comments (blog.article) and the cards on the lists (blog.cards). Kept with it in each
process (kept()): the number of digests on each list, and the sign-in providers (accounts
renews it when a social application changes).
"""

import secrets

from django.db.models import Min
from django.utils import timezone

from .models import Digest, SiteVersion


def current(request=None):
    """The token, read in one query, once per request. The first reader after a scheduled
    digest's time makes a new one, as a save would have: that digest now shows."""
    if request is not None and hasattr(request, "_blog_site_version"):
        return request._blog_site_version
    row = SiteVersion.objects.filter(pk=1).values_list("value", "next_publication").first()
    stale = row is None or (row[1] is not None and row[1] <= timezone.now())
    token = changed() if stale else row[0]
    if request is not None:
        request._blog_site_version = token
    return token


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
