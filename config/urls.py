from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from comments.feeds import DigestCommentsFeed

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("", include("blog.urls")),
    # After blog.urls, which registers the yyyy and mm converters.
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/feed/",
        DigestCommentsFeed(),
        name="digest-comments-feed",
    ),
]

if settings.DEBUG:
    # Development only; in production the proxy (or object storage) serves media.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
