from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)

from . import article, cards, chrome, siteversion, text
from .models import Category, Digest, Tag


class PublishedDigestMixin:
    """Digests as readers see them, with what their cards need."""

    paginate_by = settings.BLOG_PAGE_SIZE
    # Whether the number of digests listed is worked out once per site version (not for
    # search results, which are as many lists as there are queries).
    counted_once = True

    def get_queryset(self):
        return Digest.objects.published().for_listing()

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        if self.counted_once:
            # Which digests a list shows changes only with what renews the site's version.
            key = ("count", self.request.resolver_match.view_name, *sorted(self.kwargs.items()))
            paginator.count = siteversion.kept(self.request, key, queryset.count)
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # What the page will draw, read in one query with the menu and sidebar: the page of
        # the list whole (blog.cards.listed), or for search results each digest's card.
        chrome.expect(self.request)
        if self.counted_once:
            cards.expect_listed(self.request, context["page_obj"])
        else:
            cards.expect(self.request, context["object_list"])
        return context


class DigestListView(PublishedDigestMixin, ListView):
    def get(self, request, *args, **kwargs):
        # WordPress searches at /?s=…; keep those links working.
        if "s" in request.GET:
            return redirect(
                f"{reverse('blog:search')}?{urlencode({'q': request.GET['s']})}", permanent=True
            )
        return super().get(request, *args, **kwargs)


class DigestDetailView(DetailView):
    """A digest at its WordPress-style permalink; staff also see drafts and scheduled ones."""

    def get_queryset(self):
        # The items, links, categories, tags and neighbours are read only when its page
        # must be drawn again (blog.article).
        queryset = Digest.objects.for_page()
        if self.can_preview():
            return queryset
        return queryset.published()

    def can_preview(self):
        return self.request.user.has_perm("blog.change_digest")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        canonical = self.object.get_absolute_url()
        if request.path != canonical:
            # A slug found under another date: send old or mistyped links to the right place.
            return HttpResponsePermanentRedirect(canonical)
        response = self.render_to_response(self.get_context_data(object=self.object))
        if not self.object.is_public:
            add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = not self.object.is_public
        if not context["preview"]:
            # What the page will draw, read in one query with the menu and sidebar.
            chrome.expect(self.request)
            article.expect(self.request, self.object)
        return context


class DigestPreviewView(DigestDetailView):
    """Staff-only preview of a draft by its id; public digests redirect to their permalink."""

    def get_object(self, queryset=None):
        if not self.can_preview():
            raise Http404("No digest found")
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.is_public:
            return redirect(self.object)
        response = self.render_to_response(self.get_context_data(object=self.object))
        add_never_cache_headers(response)
        return response


class DigestYearArchiveView(PublishedDigestMixin, YearArchiveView):
    date_field = "published_at"
    make_object_list = True
    template_name = "blog/digest_archive.html"


class DigestMonthArchiveView(PublishedDigestMixin, MonthArchiveView):
    date_field = "published_at"
    month_format = "%m"
    template_name = "blog/digest_archive.html"


class CategoryDetailView(PublishedDigestMixin, ListView):
    """Digests in a category or any of its subcategories."""

    template_name = "blog/digest_filtered.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return (
            super()
            .get_queryset()
            .filter(categories__in=self.category.with_descendants())
            .distinct()
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=_("Category: %(name)s") % {"name": self.category.name},
            description=self.category.description,
            term=self.category,
            feed_url=reverse("blog:category-feed", kwargs={"slug": self.category.slug}),
            **kwargs,
        )


class TagDetailView(PublishedDigestMixin, ListView):
    template_name = "blog/digest_filtered.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        heading = _("Tag: %(name)s") % {"name": self.tag.name}
        return super().get_context_data(heading=heading, term=self.tag, **kwargs)


class SearchView(PublishedDigestMixin, ListView):
    template_name = "blog/search.html"
    counted_once = False

    def get_queryset(self):
        # A NUL would stop PostgreSQL; the rest of blog.text's rules make it plain text.
        query = text.normalise(self.request.GET.get("q", ""), drop_nul=True).strip()
        self.query = text.shorten(query, 200, end="")
        return super().get_queryset().search(self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


class RobotsView(TemplateView):
    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"
