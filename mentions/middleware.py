"""Advertise the webmention endpoint in an HTTP Link header on every digest page.

Above the page cache (settings.MIDDLEWARE), so cached pages get it too and stored
pages never hold it. The page cache answers in process_view, after the URL was resolved,
so a cache hit has its resolver match too.
"""

from django.urls import reverse

DIGEST_PAGE = "blog:digest-detail"


class WebmentionLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            match = getattr(request, "resolver_match", None)
            if match is not None and match.view_name == DIGEST_PAGE:
                endpoint = request.build_absolute_uri(reverse("mentions:endpoint"))
                link = f'<{endpoint}>; rel="webmention"'
                existing = response.headers.get("Link")
                response.headers["Link"] = f"{existing}, {link}" if existing else link
        return response
