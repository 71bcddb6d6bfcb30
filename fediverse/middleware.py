"""Content negotiation on digest permalinks, before the page cache.

A request for a digest's permalink that asks for ActivityPub (Accept: application/
activity+json, or ld+json with the ActivityStreams profile) gets the digest's Article;
the HTML answer says Vary: Accept, so no cache hands one to a request for the other. Placed
before caching.middleware.PageCacheMiddleware, whose process_view would answer from the
cache: an ActivityPub request never reaches it.
"""

from django.conf import settings
from django.utils.cache import patch_vary_headers

ROUTE = "blog:digest-detail"


def wants_activity(request):
    accept = request.headers.get("Accept", "").lower()
    return "application/activity+json" in accept or (
        "application/ld+json" in accept and "activitystreams" in accept
    )


class ContentNegotiationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name == ROUTE and settings.FEDIVERSE_ENABLED:
            patch_vary_headers(response, ["Accept"])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.FEDIVERSE_ENABLED or request.method not in ("GET", "HEAD"):
            return None
        if request.resolver_match.view_name != ROUTE or not wants_activity(request):
            return None
        from blog.models import Digest

        from .views import article_response

        digest = Digest.objects.published().filter(slug=view_kwargs.get("slug")).first()
        if digest is None or digest.get_absolute_url() != request.path:
            return None  # the HTML view answers: 404, or its redirect to the right date
        return article_response(digest)
