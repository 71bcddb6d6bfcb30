from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Category, Digest, Tag


class DigestSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Digest.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, digest):
        return digest.updated_at


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["blog:digest-list"]

    def location(self, name):
        return reverse(name)


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Category.objects.filter(digests__in=Digest.objects.published()).distinct()


class TagSitemap(CategorySitemap):
    def items(self):
        return Tag.objects.filter(digests__in=Digest.objects.published()).distinct()


SITEMAPS = {
    "home": HomeSitemap,
    "digests": DigestSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
}
