from django.contrib.flatpages.views import flatpage
from django.http import Http404, HttpResponsePermanentRedirect

from . import links

WORDPRESS_QUERY = {"p", "page_id", "attachment_id", "cat", "tag", "m", "feed"}


class WordPressLinksMiddleware:
    """Links to the old WordPress blog keep working: a 301 to the new place, or the page.

    Costs nothing on pages that exist: it looks only at the home page's query and at 404s.
    Imported pages (django.contrib.flatpages) are served from here too, on a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in {"GET", "HEAD"}
            and request.path in {"/", "/index.php"}
            and WORDPRESS_QUERY.intersection(request.GET)
        ):
            target = links.for_query(request.GET)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in {"GET", "HEAD"}:
            return response
        try:
            return flatpage(request, request.path_info)
        except Http404:
            pass
        target = links.for_path(request.path)
        if target and target != request.path:
            return HttpResponsePermanentRedirect(target)
        return response
