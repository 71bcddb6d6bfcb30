"""The moderation queue: held comments first, bulk approve, unapprove, spam and delete."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from blog.models import Digest
from blog.sanitize import render_comment_text
from blog.text import shorten

from . import websites
from .actions import approved, move
from .models import DigestComment, VerifiedEmail

State = DigestComment.State


# What the bulk actions say: (moved, already there), each for any number of comments.
MOVED = {
    State.PUBLIC: (
        ngettext_lazy("%(count)d comment approved.", "%(count)d comments approved.", "count"),
        ngettext_lazy("%(count)d comment was already public.",
                      "%(count)d comments were already public.", "count"),
    ),
    State.HELD: (
        ngettext_lazy("%(count)d comment held.", "%(count)d comments held.", "count"),
        ngettext_lazy("%(count)d comment was already held.",
                      "%(count)d comments were already held.", "count"),
    ),
    State.SPAM: (
        ngettext_lazy("%(count)d comment marked as spam.",
                      "%(count)d comments marked as spam.", "count"),
        ngettext_lazy("%(count)d comment was already spam.",
                      "%(count)d comments were already spam.", "count"),
    ),
}  # fmt: skip


class StateFilter(admin.SimpleListFilter):
    """The queues, with their sizes; without a choice the list shows the held comments."""

    title = _("state")
    parameter_name = "state"
    default = State.HELD
    ALL = "all"
    # (label in the filter, page title)
    QUEUES = {
        State.HELD: (_("Held"), _("Held comments, awaiting moderation")),
        State.UNVERIFIED: (_("Email not confirmed"), _("Comments awaiting email confirmation")),
        State.PUBLIC: (_("Public"), _("Public comments")),
        State.SPAM: (_("Spam"), _("Spam")),
        ALL: (_("All"), _("All comments")),
    }

    def lookups(self, request, model_admin):
        sizes = dict(DigestComment.objects.order_by().values_list("state").annotate(n=Count("pk")))
        sizes[self.ALL] = sum(sizes.values())
        return [(key, f"{label} ({sizes.get(key, 0)})") for key, (label, _t) in self.QUEUES.items()]

    def value(self):
        value = super().value()
        return value if value in self.QUEUES else self.default

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(state=self.value())

    def choices(self, changelist):
        # No separate "All" link without a value: no value means the default queue.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


def _digest_field(name):
    """One field of the commented digest, as a subquery: no query per row in the list.

    Every DigestComment is on a digest (the posting view only takes digests), so
    object_pk is always a digest's id.
    """
    digest = Digest.objects.filter(pk=Cast(OuterRef("object_pk"), models.IntegerField()))
    return Subquery(digest.order_by().values(name)[:1])


class DigestCommentAdminForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # django-comments' model field says 50 characters for a name; our column holds 245
        # (comments migration 0002). The form field checks our limit instead.
        return super()._get_validation_exclusions() | {"user_name"}


@admin.register(DigestComment)
class DigestCommentAdmin(admin.ModelAdmin):
    form = DigestCommentAdminForm
    # Five columns, so State and its reason stay in view beside the admin's menu at 1280 px:
    # the IP goes under the author, the reason under the state.
    list_display = ("excerpt", "author", "digest_link", "submit_date", "state_and_reason")
    list_display_links = ("excerpt",)
    list_filter = (StateFilter,)

    class Media:
        css = {"all": ("blog/admin.css",)}

    show_facets = admin.ShowFacets.NEVER  # the state filter counts its queues itself
    show_full_result_count = False  # so does the "All" choice
    date_hierarchy = "submit_date"
    search_fields = ("user_name", "user_email", "comment")
    ordering = ("-submit_date",)
    actions = ("approve", "unapprove", "mark_spam", "delete_selected")
    fieldsets = (
        (None, {"fields": ("state", "moderation_reason", "on_site")}),
        (
            _("Comment"),
            {"fields": ("comment", "user_name", "user_email", "user_url", "website", "notify")},
        ),
        (
            _("Thread"),
            {
                "fields": ("thread_id", "parent_comment", "level", "order"),
                "description": _("Fixed when the comment was placed in its thread."),
            },
        ),
        (
            _("Metadata"),
            {"fields": ("user", "submit_date", "ip_address", "verified_at", "edited_at")},
        ),
    )
    readonly_fields = (
        "on_site",
        "website",
        "thread_id",
        "parent_comment",
        "level",
        "order",
        "user",
        "submit_date",
        "ip_address",
        "verified_at",
        "edited_at",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _digest_title=_digest_field("title"),
                _digest_slug=_digest_field("slug"),
                _digest_published_at=_digest_field("published_at"),
            )
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The limits readers have on the site (django-comments' model says 3,000 and 50).
        limits = {
            "comment": settings.COMMENTS_BODY_MAX_LENGTH,
            "user_name": settings.COMMENTS_NAME_MAX_LENGTH,
        }
        if db_field.name in limits:
            kwargs["max_length"] = limits[db_field.name]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        # Comments come from readers, through the form on the digest.
        return False

    def view_on_site(self, comment):
        # On this host, not through the Sites framework (see DigestAdmin.view_on_site).
        # None (no button) when the digest was deleted: nothing cascades to its comments.
        return comment.get_absolute_url() if comment.content_object else None

    def changelist_view(self, request, extra_context=None):
        chosen = request.GET.get(StateFilter.parameter_name)
        _label, title = StateFilter.QUEUES.get(chosen, StateFilter.QUEUES[StateFilter.default])
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    # Columns

    # Readers' words sit in <bdi>: a right-to-left override can't reorder the row.

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return format_html("<bdi>{}</bdi>", shorten(" ".join(comment.comment.split()), 80))

    @admin.display(description=_("author"), ordering="user_name")
    def author(self, comment):
        html = format_html(
            '<bdi>{}</bdi><br><a href="mailto:{}">{}</a>',
            comment.user_name,
            comment.user_email,
            comment.user_email,
        )
        # As a browser reads it (punycode host, no credentials): homographs show.
        url = websites.for_moderators(comment.user_url)
        if url.startswith(("http://", "https://")):
            html = format_html(
                '{}<br><a href="{}" rel="nofollow noopener noreferrer">{}</a>',
                html,
                url,
                shorten(url, 40),
            )
        elif url:
            html = format_html("{}<br><bdi>{}</bdi>", html, url)
        if comment.ip_address:
            html = format_html(
                '{}<br><span class="comment-ip">IP {}</span>', html, comment.ip_address
            )
        return html

    @admin.display(description=_("state"), ordering="state")
    def state_and_reason(self, comment):
        if not comment.moderation_reason:
            return comment.get_state_display()
        return format_html(
            '{}<br><span class="comment-reason">{}</span>',
            comment.get_state_display(),
            comment.moderation_reason,
        )

    @admin.display(description=_("digest"), ordering="_digest_title")
    def digest_link(self, comment):
        if comment._digest_title is None:
            return "—"
        digest = Digest(
            pk=int(comment.object_pk),
            slug=comment._digest_slug,
            published_at=comment._digest_published_at,
        )
        return format_html(
            '<a href="{}#{}">{}</a>',
            digest.get_absolute_url(),
            comment.anchor,
            comment._digest_title,
        )

    # Change form

    @admin.display(description=_("on the site"))
    def on_site(self, comment):
        if comment.content_object is None:
            return _("— (digest %(id)s was deleted)") % {"id": comment.object_pk}
        return format_html(
            '<a href="{}">{}</a>', comment.get_absolute_url(), comment.content_object
        )

    @admin.display(description=_("website as a browser reads it"))
    def website(self, comment):
        return websites.for_moderators(comment.user_url) or "—"

    @admin.display(description=_("parent"))
    def parent_comment(self, comment):
        if not comment.is_reply:
            return _("— (starts the thread)")
        url = reverse("admin:comments_digestcomment_change", args=[comment.parent_id])
        return format_html(
            '<a href="{}">{}</a>', url, _("Comment %(id)s") % {"id": comment.parent_id}
        )

    def save_model(self, request, obj, form, change):
        # Edited text is cleaned again: only comment_html is ever marked safe.
        obj.comment_html = render_comment_text(obj.comment)
        super().save_model(request, obj, form, change)
        if change and "state" in form.changed_data and obj.state == State.PUBLIC:
            approved(obj)

    # Actions

    @admin.action(description=_("Approve selected comments"), permissions=["change"])
    def approve(self, request, queryset):
        self._move(request, queryset, State.PUBLIC)

    @admin.action(description=_("Unapprove selected comments (hold)"), permissions=["change"])
    def unapprove(self, request, queryset):
        self._move(request, queryset, State.HELD)

    @admin.action(description=_("Mark selected comments as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._move(request, queryset, State.SPAM)

    def _move(self, request, queryset, state):
        """Set the state of the selected comments, as saving each on its change form would."""
        with transaction.atomic():
            # of=("self",): the list query joins nullable users; only the comment rows lock.
            selected = list(queryset.select_for_update(of=("self",)))
            changed = [comment for comment in selected if comment.state != state]
            for comment in changed:
                move(comment, state)
                self.log_change(request, comment, [{"changed": {"fields": ["State"]}}])
        done, unchanged = MOVED[state]
        message = done % {"count": len(changed)}
        if skipped := len(selected) - len(changed):
            message += " " + unchanged % {"count": skipped}
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ("email", "verified_at", "has_approved_comment")
    list_filter = ("has_approved_comment",)
    search_fields = ("email",)
