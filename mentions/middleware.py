"""Advertise the webmention endpoint in an HTTP Link header on every digest page.

Above the page cache (settings.MIDDLEWARE), so cached pages get it too and stored
pages never hold it; a cache hit has no resolver match, so the path is resolved here.
"""

from django.urls import Resolver404, resolve, reverse

DIGEST_PAGE = "blog:digest-detail"


class WebmentionLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            try:
                is_digest = resolve(request.path_info).view_name == DIGEST_PAGE
            except Resolver404:
                is_digest = False
            if is_digest:
                endpoint = request.build_absolute_uri(reverse("mentions:endpoint"))
                link = f'<{endpoint}>; rel="webmention"'
                existing = response.headers.get("Link")
                response.headers["Link"] = f"{existing}, {link}" if existing else link
        return response
