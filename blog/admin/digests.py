"""DigestAdmin: the digest list and form, with revisions, autosave and the live preview."""

from adminsortable2.admin import SortableAdminBase
from django.contrib import admin
from django.db.models import OuterRef
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from .. import drafts
from ..models import Digest, MediaItem
from ..querysets import count_per_row
from . import actions as bulk
from . import drafting, revisions
from .items import MediaItemInline, fetch_posters_after_commit, keep_in_revision


@admin.register(Digest)
class DigestAdmin(SortableAdminBase, VersionAdmin):
    list_display = ("title", "status_label", "published_at", "author", "item_count", "preview")
    list_filter = ("status", "categories", "tags", "author")
    list_select_related = ("author",)
    search_fields = ("title", "slug", "intro", "search_text")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("categories", "tags")
    inlines = (MediaItemInline,)
    actions = ("publish", "unpublish", "schedule")
    history_latest_first = True
    object_history_template = "admin/blog/digest/object_history.html"
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

    publish = bulk.publish
    unpublish = bulk.unpublish
    schedule = bulk.schedule

    class Media:
        css = {"all": ("blog/admin.css",)}
        js = ("blog/admin_drafts.js",)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(drafting.autosave_view(self)), name="blog_digest_autosave_new"),
            path("preview/", view(drafting.preview_view(self)), name="blog_digest_live_preview"),
            path(
                "<path:object_id>/autosave/",
                view(drafting.autosave_view(self)),
                name="blog_digest_autosave",
            ),
            path(
                "<path:object_id>/history/compare/",
                view(revisions.compare_view(self)),
                name="blog_digest_compare",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        items = MediaItem.objects.filter(digest=OuterRef("pk"))
        return super().get_queryset(request).annotate(_item_count=count_per_row(items, "digest"))

    def changelist_view(self, request, extra_context=None):
        # Not VersionAdmin's: its one revision around the whole list would tie every digest
        # a bulk action changes into one version; each action keeps one per digest.
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        for action in getattr(response, "context_data", {}).get("action_list", []):
            # The compare form names versions; reversion's list gives their addresses.
            action["version_id"] = action["url"].rstrip("/").rsplit("/", 1)[-1]
        return response

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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "author":
            # Names, not "---------": the editor writing is the author unless changed.
            formfield.label_from_instance = drafting.person
            formfield.empty_label = _("(you, once saved)")
        return formfield

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("author", request.user.pk)
        return {**initial, **drafting.copied_fields(request)}

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Search covers the items' text, which only exists once the inlines are saved.
        form.instance.refresh_search_text()
        keep_in_revision(form.instance)
        # Saved: the autosave has done its job (a new digest's too).
        drafts.discard(request.user, form.instance, new_too=not change)
        fetch_posters_after_commit(self, request, form.instance.media_items.all())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_url"] = reverse("blog:digest-preview", kwargs={"pk": obj.pk})
        if not context.get("revert") and not context.get("recover"):
            context.update(drafting.change_form_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)
