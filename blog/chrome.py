"""What every reader page shows around its content: the header's menu (MenuLink) and the
sidebar's months and categories. Drawn once per version of the site (blog.siteversion)
and kept (blog.fragments.drawn), so a page reads both with its other drawings and draws
neither.
"""

from types import SimpleNamespace

from django.template.loader import render_to_string

from . import fragments, siteversion
from .models import Category, Digest, MenuLink

MENU, NAV = "blog/_site_menu.html", "blog/_archive_nav.html"


KIND = "site"


def expect(request):
    """The page will show the menu and the sidebar: read with its first drawing."""
    fragments.expect(request, KIND, RENDER)


def parts(request):
    """{"menu": HTML, "nav": HTML}, worked out once per request (None: no request)."""
    if request is None:
        return _draw_parts(siteversion.current(), None)
    if not hasattr(request, "_blog_chrome"):
        request._blog_chrome = _draw_parts(siteversion.current(request), request)
    return request._blog_chrome


def _draw_parts(version, request):
    pieces = [SimpleNamespace(pk=name) for name in RENDER]
    drawn = fragments.drawn(
        KIND, pieces, lambda _: version, lambda piece: RENDER[piece.pk](),
        (MENU, NAV, __name__), request,
    )  # fmt: skip
    return {name: drawn[name] for name in RENDER}


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
