"""What every reader page shows around its content: the header's menu (MenuLink) and the
sidebar's months and categories. Drawn once per version of the site (SiteVersion) and
kept (blog.fragments.drawn), so a page reads both in two queries and draws neither.

The version is a token, new whenever a digest, category, menu link or page is saved or
deleted (signals, blog.apps), and when a scheduled digest goes public, which saves
nothing: the row keeps the time of the next one.
"""

import secrets
from types import SimpleNamespace

from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone

from . import fragments
from .models import Category, Digest, MenuLink, SiteVersion

MENU, NAV = "blog/_site_menu.html", "blog/_archive_nav.html"


def parts(request):
    """{"menu": HTML, "nav": HTML}, worked out once per request (None: no request)."""
    if request is None:
        return _draw_parts()
    if not hasattr(request, "_blog_chrome"):
        request._blog_chrome = _draw_parts()
    return request._blog_chrome


def _draw_parts():
    version = current_version()
    pieces = [SimpleNamespace(pk=name) for name in RENDER]
    drawn = fragments.drawn(
        "site", pieces, lambda _: version, lambda piece: RENDER[piece.pk](), (MENU, NAV, __name__)
    )
    return {name: drawn[name] for name in RENDER}


def current_version():
    """The token, read in one query. The first reader after a scheduled digest's time makes
    a new one, as a save would have: that digest now shows in the sidebar."""
    row = SiteVersion.objects.filter(pk=1).values_list("value", "next_publication").first()
    if row is None or (row[1] is not None and row[1] <= timezone.now()):
        return changed()
    return row[0]


def changed(**kwargs):
    """Something the menu or the sidebar shows may have changed (also a signal receiver):
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


def _render_menu():
    links = MenuLink.objects.select_related("page").filter(page__registration_required=False)
    return render_to_string(MENU, {"links": links})


def _render_nav():
    published = Digest.objects.published()
    context = {
        "months": published.dates("published_at", "month", order="DESC")[:24],
        "categories": Category.objects.filter(digests__in=published).distinct(),
    }
    return render_to_string(NAV, context)


# The parts, by the name they are kept under.
RENDER = {"menu": _render_menu, "nav": _render_nav}
