"""The digest's item inline, and an item's own page with its related links as rows."""

import copy
import logging

import reversion
from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django.conf import settings
from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin
from sorl.thumbnail import get_thumbnail

from ..forms import MediaItemAdminForm, MediaItemForm
from ..models import Digest, MediaItem, RelatedLink
from ..services import fetch_missing_posters

logger = logging.getLogger(__name__)

# Every save of a digest keeps a version of it with its items and their links.
reversion.register(RelatedLink)
reversion.register(MediaItem, follow=("links",))
reversion.register(Digest, follow=("media_items",))

# Typed addresses without a scheme become https:// (Django 6's default, chosen now).
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}

ITEM_FIELDSETS = (
    (None, {"fields": ("kind", "title", "source", "description", "url")}),
    (
        _("Image"),
        {
            "fields": (
                ("image", "thumbnail"),
                "library_image",
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


def keep_in_revision(digest):
    """Put the digest as saved now, each item and their links, into the revision being made.

    Saving stores the digest before its categories and items, and links are created in
    bulk (no signal), so what reversion noted on the way is stale or missing.
    """
    if not reversion.is_active():
        return
    for item in digest.media_items.all():
        reversion.add_to_revision(item)
    reversion.add_to_revision(Digest.objects.get(pk=digest.pk))


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
    verbose_name = _("item")
    verbose_name_plural = _("items")
    show_change_link = True
    formfield_overrides = URL_OVERRIDES
    readonly_fields = ("thumbnail",)
    fieldsets = (
        (None, {"fields": ("position", *ITEM_FIELDSETS[0][1]["fields"])}),
        ITEM_FIELDSETS[1],
        (
            _("Related links"),
            {
                "fields": ("links_heading", "related_links"),
                "description": _("Papers, talks and pages to go further."),
            },
        ),
    )

    class Media:
        css = {"all": ("blog/admin.css",)}

    def get_queryset(self, request):
        # The form prefills its related-links text from item.links.
        return super().get_queryset(request).prefetch_related("links")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The library's choices read once for every item form, not once per form.
        # (A copy: the declared field is shared by every form class made from the form.)
        picker = copy.deepcopy(formset.form.base_fields["library_image"])
        picker.choices = list(picker.choices)
        formset.form.base_fields["library_image"] = picker
        return formset

    @admin.display(description=_("current image"))
    def thumbnail(self, item):
        return _thumbnail(item, "160x160")


class RelatedLinkInline(SortableTabularInline):
    model = RelatedLink
    extra = 1
    fields = ("position", "title", "url")
    formfield_overrides = URL_OVERRIDES


@admin.register(MediaItem)
class MediaItemAdmin(SortableAdminBase, VersionAdmin):
    """One item with its related links as rows; reached from the digest's item inline."""

    form = MediaItemAdminForm
    formfield_overrides = URL_OVERRIDES
    inlines = (RelatedLinkInline,)
    list_display = ("title", "kind", "digest")
    list_select_related = ("digest",)
    search_fields = ("title", "source", "digest__title")
    raw_id_fields = ("digest",)
    readonly_fields = ("thumbnail",)
    fieldsets = (
        (None, {"fields": ("digest",)}),
        *ITEM_FIELDSETS,
        (_("Related links"), {"fields": ("links_heading",)}),
    )

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
        # The digest's history shows this save too: the revision holds the whole digest.
        keep_in_revision(form.instance.digest)
        fetch_posters_after_commit(self, request, MediaItem.objects.filter(pk=form.instance.pk))

    @admin.display(description=_("current image"))
    def thumbnail(self, item):
        return _thumbnail(item, "160x160")
