from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("", include("blog.urls")),
]

if settings.DEBUG:
    # Development only; in production the proxy (or object storage) serves media.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
