import logging

from adminsortable2.admin import (
    SortableAdminBase,
    SortableAdminMixin,
    SortableStackedInline,
    SortableTabularInline,
)
from django.conf import settings
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from sorl.thumbnail import get_thumbnail

from .forms import MediaItemAdminForm, MediaItemForm
from .models import Category, Digest, MediaItem, MenuLink, RelatedLink, Tag, count_per_row
from .services import fetch_missing_posters

logger = logging.getLogger(__name__)

# Typed addresses without a scheme become https:// (Django 6's default, chosen now).
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}

ITEM_FIELDSETS = (
    (None, {"fields": ("kind", "title", "source", "description", "url")}),
    (
        _("Image"),
        {
            "fields": (
                ("image", "thumbnail"),
                "pending_image",
                ("alt_text", "decorative"),
                "caption",
                "credit",
            ),
            "description": _("Required for an image item; for a video, the poster shown first."),
        },
    ),
)


def fetch_posters_after_commit(model_admin, request, items):
    """Fetch missing video posters once the save is committed, and say what failed.

    Outside the transaction, so a slow video host never holds the database.
    """
    if not settings.BLOG_FETCH_VIDEO_POSTERS:
        return

    def fetch():
        _fetched, failures = fetch_missing_posters(
            items.filter(kind=MediaItem.Kind.VIDEO, image="")
        )
        for item, reason in failures:
            model_admin.message_user(
                request,
                _(
                    "No poster could be fetched for “%(title)s” (%(reason)s). The video shows a "
                    "plain placeholder; upload a poster image, or save again later to retry."
                )
                % {"title": item.title, "reason": reason},
                messages.WARNING,
            )

    transaction.on_commit(fetch)


def _thumbnail(item, geometry):
    if not item or not item.image:
        return "—"
    try:
        url = get_thumbnail(item.image, geometry, upscale=False).url
    except Exception:
        # A missing or unreadable file must not break the editor; show the original.
        logger.warning("No thumbnail for %s", item.image.name, exc_info=True)
        url = item.image.url
    return format_html(
        # Sized by static/blog/admin.css: the Content-Security-Policy refuses style attributes.
        '<a href="{}"><img src="{}" alt="" class="item-thumbnail"></a>',
        item.image.url,
        url,
    )


class MediaItemInline(SortableStackedInline):
    model = MediaItem
    form = MediaItemForm
    extra = 1
    verbose_name = "item"
    verbose_name_plural = "items"
    show_change_link = True
    formfield_overrides = URL_OVERRIDES
    readonly_fields = ("thumbnail",)
    fieldsets = (
        (None, {"fields": ("position", *ITEM_FIELDSETS[0][1]["fields"])}),
        ITEM_FIELDSETS[1],
        (
            _("Related links"),
            {
                "fields": ("related_links",),
                "description": _("Papers, talks and pages to go further."),
            },
        ),
    )

    class Media:
        css = {"all": ("blog/admin.css",)}

    def get_queryset(self, request):
        # The form prefills its related-links text from item.links.
        return super().get_queryset(request).prefetch_related("links")

    @admin.display(description=_("current image"))
    def thumbnail(self, item):
        return _thumbnail(item, "160x160")


@admin.register(Digest)
class DigestAdmin(SortableAdminBase, admin.ModelAdmin):
    list_display = ("title", "status_label", "published_at", "author", "item_count", "preview")
    list_filter = ("status", "categories", "tags", "author")
    list_select_related = ("author",)
    search_fields = ("title", "slug", "intro", "search_text")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("categories", "tags")
    inlines = (MediaItemInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "intro", "summary")}),
        (
            _("Publishing"),
            {
                "fields": ("status", "published_at", "author", "allow_comments", "allow_likes"),
                "description": _(
                    "A published digest with a future date is scheduled: "
                    "readers see it from that moment."
                ),
            },
        ),
        (_("Filing"), {"fields": ("categories", "tags")}),
        (_("Cover image"), {"fields": ("cover_image", "cover_alt"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        items = MediaItem.objects.filter(digest=OuterRef("pk"))
        return super().get_queryset(request).annotate(_item_count=count_per_row(items, "digest"))

    def view_on_site(self, digest):
        # A callable keeps the link on this host; the default goes through the Sites
        # framework and would point at the Site's domain (example.com out of the box).
        return digest.get_absolute_url()

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, digest):
        if digest.is_scheduled:
            return _("Scheduled")
        return digest.get_status_display()

    @admin.display(description=_("items"), ordering="_item_count")
    def item_count(self, digest):
        return digest._item_count

    @admin.display(description=_("page"))
    def preview(self, digest):
        if digest.is_public:
            return format_html('<a href="{}">{}</a>', digest.get_absolute_url(), _("View"))
        return format_html(
            '<a href="{}">{}</a>',
            reverse("blog:digest-preview", kwargs={"pk": digest.pk}),
            _("Preview"),
        )

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Search covers the items' text, which only exists once the inlines are saved.
        form.instance.refresh_search_text()
        fetch_posters_after_commit(self, request, form.instance.media_items.all())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_url"] = reverse("blog:digest-preview", kwargs={"pk": obj.pk})
        return super().render_change_form(request, context, add, change, form_url, obj)


class RelatedLinkInline(SortableTabularInline):
    model = RelatedLink
    extra = 1
    fields = ("position", "title", "url")
    formfield_overrides = URL_OVERRIDES


@admin.register(MediaItem)
class MediaItemAdmin(SortableAdminBase, admin.ModelAdmin):
    """One item with its related links as rows; reached from the digest's item inline."""

    form = MediaItemAdminForm
    formfield_overrides = URL_OVERRIDES
    inlines = (RelatedLinkInline,)
    list_display = ("title", "kind", "digest")
    list_select_related = ("digest",)
    search_fields = ("title", "source", "digest__title")
    raw_id_fields = ("digest",)
    readonly_fields = ("thumbnail",)
    fieldsets = ((None, {"fields": ("digest",)}), *ITEM_FIELDSETS)

    class Media:
        css = {"all": ("blog/admin.css",)}

    def has_module_permission(self, request):
        # Items are edited inside their digest; this page is for the links in detail.
        return False

    def view_on_site(self, item):
        return item.get_absolute_url()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.digest.refresh_search_text()
        fetch_posters_after_commit(self, request, MediaItem.objects.filter(pk=form.instance.pk))

    @admin.display(description=_("current image"))
    def thumbnail(self, item):
        return _thumbnail(item, "160x160")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    list_select_related = ("parent",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "digest_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_digest_count=Count("digests"))

    @admin.display(description=_("digests"), ordering="_digest_count")
    def digest_count(self, tag):
        return tag._digest_count


@admin.register(MenuLink)
class MenuLinkAdmin(SortableAdminMixin, admin.ModelAdmin):
    """The header's links to pages (About, Contact, …), in the order dragged here."""

    list_display = ("__str__", "page_address")
    list_select_related = ("page",)

    @admin.display(description=_("Address"))
    def page_address(self, link):
        return link.page.url
