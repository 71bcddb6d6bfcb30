"""oEmbed provider (oembed.com, type "rich") for digests, and the card it embeds.

GET /oembed/?url=<a digest's permalink>[&format=json|xml][&maxwidth=][&maxheight=]
answers a card in an iframe: the card page is the one page of the site other sites may
frame (X-Frame-Options off and CSP frame-ancestors * there; DENY and 'none' elsewhere).
Drafts and scheduled digests are 404, as at their permalinks.
"""

from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from .models import Digest
from .permalinks import our_hosts, published_digest
from .site import site_url
from .text import normalise, parse_id

WIDTH, HEIGHT = 560, 420  # the card's size when the consumer names no maximum
MIN_WIDTH, MIN_HEIGHT = 200, 150
CACHE_AGE = 3600


def _maximum(request, name, default, least):
    value = parse_id(request.GET.get(name))
    return default if value is None else max(least, min(value, default))


@require_safe
def oembed(request):
    url = normalise(request.GET.get("url", ""), drop_nul=True).strip()
    digest = published_digest(url, our_hosts(request))
    if digest is None:
        raise Http404("No digest at that address")
    kind = request.GET.get("format", "json")
    if kind not in ("json", "xml"):
        return HttpResponse("Only json and xml are offered.\n", status=501)
    width = _maximum(request, "maxwidth", WIDTH, MIN_WIDTH)
    height = _maximum(request, "maxheight", HEIGHT, MIN_HEIGHT)
    card = site_url(reverse("blog:digest-card", kwargs=digest.permalink_kwargs()))
    author = digest.author
    data = {
        "version": "1.0",
        "type": "rich",
        "title": digest.title,
        "author_name": (author.get_full_name() or author.get_username()) if author else "",
        "provider_name": settings.BLOG_TITLE,
        "provider_url": site_url("/"),
        "cache_age": CACHE_AGE,
        # format_html escapes every value: a title with quotes or tags stays text.
        "html": format_html(
            '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
            'sandbox="allow-popups allow-popups-to-escape-sandbox" '
            'referrerpolicy="no-referrer" style="border:0;max-width:100%"></iframe>',
            card,
            width,
            height,
            digest.title,
        ),
        "width": width,
        "height": height,
    }
    if not data["author_name"]:
        del data["author_name"]
    if digest.cover_image:
        data.update(
            thumbnail_url=site_url(digest.cover_image.url),
            thumbnail_width=digest.cover_width,
            thumbnail_height=digest.cover_height,
        )
    if kind == "xml":
        body = render_to_string("blog/oembed.xml", {"fields": data.items()})
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def card(request, year, month, day, slug):
    """A small card of a published digest, for other sites' iframes (see oembed)."""
    digests = Digest.objects.published().prefetch_related("media_items")
    digest = get_object_or_404(digests, slug=slug)
    if request.path != reverse("blog:digest-card", kwargs=digest.permalink_kwargs()):
        raise Http404("No digest found")
    context = {"digest": digest, "items": digest.media_items.all()}
    return render(request, "blog/digest_card.html", context)


def discovery(permalink):
    """The oEmbed discovery addresses of a digest's page (its absolute address):
    {format: address}."""
    return {
        kind: f"{reverse('blog:oembed')}?" + urlencode({"format": kind, "url": permalink})
        for kind in ("json", "xml")
    }
