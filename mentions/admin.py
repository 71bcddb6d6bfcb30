"""Editors' view of webmentions: received ones to approve, hide or mark as spam (a reply
is moderated with its comment), and the ones we sent, with their outcome."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comments import actions
from comments.models import DigestComment

from .models import Mention, SentMention
from .tasks import verify_mention

COMMENT_STATES = {
    Mention.State.PUBLIC: DigestComment.State.PUBLIC,
    Mention.State.HELD: DigestComment.State.HELD,
    Mention.State.SPAM: DigestComment.State.SPAM,
}


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ("source_link", "digest", "kind", "state_shown", "author_name", "received_at")
    list_filter = ("state", "kind")
    search_fields = ("source", "title", "author_name", "digest__title")
    date_hierarchy = "received_at"
    list_select_related = ("digest", "comment")
    actions = ("approve", "hold", "mark_spam", "verify_again")
    readonly_fields = [field.name for field in Mention._meta.fields if field.name != "state"]

    def has_add_permission(self, request):
        return False  # mentions come from other sites, through the endpoint

    @admin.display(description=_("source"), ordering="source")
    def source_link(self, mention):
        return format_html(
            '<a href="{}" rel="noopener noreferrer"><bdi>{}</bdi></a>',
            mention.source,
            mention.title or mention.source,
        )

    @admin.display(description=_("state"), ordering="state")
    def state_shown(self, mention):
        """A reply's own state is its comment's (it may be moderated with the comments)."""
        if mention.comment is not None:
            return _("Comment: %s") % mention.comment.get_state_display()
        return format_html("{}<br><small>{}</small>", mention.get_state_display(), mention.reason)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            _moderate_comment(obj)

    def _move(self, request, queryset, state):
        with transaction.atomic():
            done = 0
            unverified = (Mention.State.PENDING, Mention.State.REJECTED, Mention.State.REMOVED)
            for mention in queryset.exclude(state__in=unverified):
                mention.state = state
                mention.save(update_fields=["state"])
                _moderate_comment(mention)
                done += 1
        self.message_user(
            request,
            ngettext("%(n)d mention is now: %(state)s.", "%(n)d mentions are now: %(state)s.", done)
            % {"n": done, "state": Mention.State(state).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve the selected mentions"))
    def approve(self, request, queryset):
        self._move(request, queryset, Mention.State.PUBLIC)

    @admin.action(description=_("Hold the selected mentions"))
    def hold(self, request, queryset):
        self._move(request, queryset, Mention.State.HELD)

    @admin.action(description=_("Mark the selected mentions as spam"))
    def mark_spam(self, request, queryset):
        self._move(request, queryset, Mention.State.SPAM)

    @admin.action(description=_("Verify the selected mentions again"))
    def verify_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: [verify_mention.enqueue(pk) for pk in ids])
        self.message_user(request, _("The sources will be fetched again in a moment."))


def _moderate_comment(mention):
    """A reply's comment follows its mention's state, by the comments' own actions."""
    comment, state = mention.comment, COMMENT_STATES.get(mention.state)
    if comment is not None and state is not None and comment.state != state:
        actions.move(comment, state)


@admin.register(SentMention)
class SentMentionAdmin(admin.ModelAdmin):
    list_display = ("target", "digest", "status", "status_code", "endpoint", "sent_at")
    list_filter = ("status",)
    search_fields = ("target", "endpoint", "digest__title")
    list_select_related = ("digest",)
    readonly_fields = [field.name for field in SentMention._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
