from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import (
    api,
    converters,  # noqa: F401 (registers yyyy, mm and id)
    feeds,
    oembed,
    views,
)
from .sitemaps import SITEMAPS

app_name = "blog"

urlpatterns = [
    path("", views.DigestListView.as_view(), name="digest-list"),
    path("page/<int:page>/", views.DigestListView.as_view(), name="digest-list-page"),
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/",
        views.DigestDetailView.as_view(),
        name="digest-detail",
    ),
    path("<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/card/", oembed.card, name="digest-card"),
    path("oembed/", oembed.oembed, name="oembed"),
    path("api/digests/<id:pk>/", api.DigestDetailAPIView.as_view(), name="api-digest"),
    path("<yyyy:year>/", views.DigestYearArchiveView.as_view(), name="archive-year"),
    path("<yyyy:year>/<mm:month>/", views.DigestMonthArchiveView.as_view(), name="archive-month"),
    path("preview/<id:pk>/", views.DigestPreviewView.as_view(), name="digest-preview"),
    path("category/<slug:slug>/", views.CategoryDetailView.as_view(), name="category-detail"),
    path("category/<slug:slug>/feed/", feeds.CategoryFeed(), name="category-feed"),
    path("tag/<slug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", feeds.LatestDigestsFeed(), name="feed"),
    path("feed/atom/", feeds.LatestDigestsAtomFeed(), name="atom-feed"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
]
