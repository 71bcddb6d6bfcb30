"""The link inbox in the admin: save a link, order the links, make digests from them."""

from adminsortable2.admin import SortableAdminMixin
from django.contrib import admin, messages
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import DigestChoiceForm
from .inbox import add_to_digest, describe, start_digest
from .models import SavedLink


class PlaceFilter(admin.SimpleListFilter):
    """The inbox (links not used yet) by default; the used ones on request."""

    title = _("where")
    parameter_name = "place"

    def lookups(self, request, model_admin):
        return (("used", _("Used in a digest")), ("all", _("All")))

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("In the inbox"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "used":
            return queryset.filter(digest__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.waiting()


@admin.register(SavedLink)
class SavedLinkAdmin(SortableAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "kind", "source", "state_label", "poster_thumbnail", "saved_at")
    list_filter = (PlaceFilter, "kind")
    search_fields = ("title", "url", "source")
    actions = ("start_digest_action", "add_to_digest", "describe_again")
    readonly_fields = ("state", "problem", "saved_by", "saved_at", "digest")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ("blog/admin.css",)}

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": gettext("Link inbox"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_fields(self, request, obj=None):
        if obj is None:  # the "save a link" form: the address, and a title if wanted
            return ("url", "title")
        fields = ("url", "kind", "title", "source", "description", "poster")
        return (*fields, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.saved_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            # Outside the transaction, so a slow site never holds the database.
            transaction.on_commit(lambda: self._describe(request, obj))

    def _describe(self, request, link):
        describe(link)
        if link.state == SavedLink.State.FAILED:
            self.message_user(
                request,
                gettext("“%(url)s” was saved but could not be fetched: %(problem)s")
                % {"url": link.url, "problem": link.problem},
                messages.WARNING,
            )

    def response_add(self, request, obj, post_url_continue=None):
        # Saved from the inbox's own small form: back to the inbox.
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            self.message_user(request, gettext("Saved “%(link)s”.") % {"link": obj})
            return redirect("admin:composer_savedlink_changelist")
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, link):
        if link.problem:
            return format_html("{}<br><small>{}</small>", link.get_state_display(), link.problem)
        return link.get_state_display()

    @admin.display(description=_("image"))
    def poster_thumbnail(self, link):
        if not link.poster:
            return "—"
        return format_html('<img src="{}" alt="" class="item-thumbnail">', link.poster.url)

    @admin.action(description=_("Start a digest from these"))
    def start_digest_action(self, request, queryset):
        links = queryset.waiting()
        if not links.exists():
            self.message_user(request, gettext("These links are all in digests already."))
            return None
        digest = start_digest(links, request.user)
        self.message_user(
            request,
            gettext("A draft digest was started with these links, in this order."),
            messages.SUCCESS,
        )
        return redirect(reverse("admin:blog_digest_change", args=[digest.pk]))

    @admin.action(description=_("Add to digest…"))
    def add_to_digest(self, request, queryset):
        links = queryset.waiting().order_by("position", "id")
        if "apply" in request.POST:
            form = DigestChoiceForm(request.POST)
            if form.is_valid():
                digest = add_to_digest(links, form.cleaned_data["digest"])
                self.message_user(
                    request,
                    gettext("The links were added to the end of “%(digest)s”.")
                    % {"digest": digest},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:blog_digest_change", args=[digest.pk]))
        else:
            form = DigestChoiceForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Add to digest"),
            "links": links,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "composer/add_to_digest.html", context)

    @admin.action(description=_("Fetch the selected links again"))
    def describe_again(self, request, queryset):
        for link in queryset:
            describe(link)
        self.message_user(request, gettext("The links were fetched again."))
