from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from comments.feeds import DigestCommentsFeed

# A database outage met outside a view still gets the static 503 page.
handler500 = "config.middleware.server_error"

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("comments/", include("comments.urls")),
    # Readers' accounts: ours (profile, deletion), then django-allauth's sign-in and providers.
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("follow/", include("followers.urls")),
    path("likes/", include("likes.urls")),
    path("", include("blog.urls")),
    # yyyy and mm: blog.converters, registered when blog.urls is imported.
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/feed/",
        DigestCommentsFeed(),
        name="digest-comments-feed",
    ),
]

if settings.LOADTEST:
    from config import loadtest

    urlpatterns += loadtest.urlpatterns

if settings.DEBUG:
    # Development only; in production the proxy (or object storage) serves media.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
