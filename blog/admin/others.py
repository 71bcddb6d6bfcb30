"""Categories, tags, the header's menu links and the media library."""

from adminsortable2.admin import SortableAdminMixin
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Category, LibraryImage, MenuLink, Tag
from .items import _thumbnail


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

    def _update_order(self, updated_items, extra_model_filters):
        """As adminsortable2's, which stores a drag with bulk_update() and so tells no one;
        here each moved link is saved, and the menu is drawn again (blog.chrome) and
        cached pages made stale. A menu holds a handful of links."""
        links = self.model.objects.filter(**extra_model_filters)
        moved = 0
        for pk, position in updated_items:
            link = links.get(pk=pk)
            link.position = position
            link.save(update_fields=["position"])
            moved += 1
        return moved


@admin.register(LibraryImage)
class LibraryImageAdmin(admin.ModelAdmin):
    """Every image uploaded for an item, once; items pick them again ("from the library")."""

    list_display = ("preview", "name", "width", "height", "uploaded_by", "created_at")
    list_select_related = ("uploaded_by",)
    search_fields = ("name",)
    fields = ("preview", "name", "file")
    readonly_fields = ("preview", "file")

    class Media:
        css = {"all": ("blog/admin.css",)}

    def has_add_permission(self, request):
        return False  # images come in through items (and their autosave)

    @admin.display(description=_("image"))
    def preview(self, library_image):
        library_image.image = library_image.file  # what _thumbnail reads
        return _thumbnail(library_image, "160x160")
