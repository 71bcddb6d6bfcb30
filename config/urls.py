from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from caching import csrf
from composer.views import manifest

# A database outage met outside a view still gets the static 503 page.
handler500 = "config.middleware.server_error"

urlpatterns = [
    # The reader's pages first: nearly every request is one, and Django tries the patterns
    # in order (none of blog's matches another app's address).
    path("", include("blog.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    # comments/… and each digest's comment feed (<digest address>feed/).
    path("", include("comments.urls")),
    # Readers' accounts: ours (profile, deletion), then django-allauth's sign-in and providers.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("follow/", include("followers.urls")),
    path("likes/", include("likes.urls")),
    path("", include("mentions.urls")),
    # Editors' tools for composing digests from links, and the admin's web app manifest.
    path("compose/", include("composer.urls")),
    path("manifest.webmanifest", manifest, name="manifest"),
    # WebFinger, NodeInfo and the blog's ActivityPub actor (404 unless FEDIVERSE_ENABLED).
    path("", include("fediverse.urls")),
    # A CSRF token for a form on a page every reader shares (static/blog/site.js).
    path("csrf-token/", csrf.token, name="csrf-token"),
]

if settings.LOADTEST:
    from config import loadtest

    # First: the yardstick is resolved as quickly as the reader's pages are.
    urlpatterns = loadtest.urlpatterns + urlpatterns

if settings.DEBUG:
    # Development only; in production the proxy (or object storage) serves media.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
