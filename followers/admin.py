"""Followers and each digest's mailing in the admin; a test mail of a digest to oneself."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.admin import DigestAdmin
from mailer.models import Delivery
from mailer.outbox import URGENT, send_all_after_commit

from .digest_mail import DigestMail
from .models import Follower, Mailing, SendingSettings


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ("email", "state", "source", "created_at", "confirmed_at", "unsubscribed_at")
    list_filter = ("state", "source")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "email", "state", "source", "created_at", "requested_at", "confirmed_at",
        "unsubscribed_at",
    )  # fmt: skip
    actions = ("mark_unsubscribed",)

    def has_add_permission(self, request):
        return False  # a reader confirms for themself; import_followers for lists

    @admin.action(description=_("Unsubscribe the selected followers"), permissions=["change"])
    def mark_unsubscribed(self, request, queryset):
        count = queryset.exclude(state=Follower.State.UNSUBSCRIBED).update(
            state=Follower.State.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        message = ngettext(
            "%(count)d follower unsubscribed.", "%(count)d followers unsubscribed.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


def delivery_counts(mailings):
    """{digest id: {"queued", "sent", "failed"}} for these mailings, in one query."""
    keys = {m.delivery_key: m.digest_id for m in mailings}
    rows = (
        Delivery.objects.filter(key__in=keys)
        .values("key")
        .annotate(
            queued=Count("pk"),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        )
    )
    return {keys[row.pop("key")]: row for row in rows}


class MailingChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        counts = delivery_counts(self.result_list)
        for mailing in self.result_list:
            mailing.counts = counts.get(mailing.digest_id, {"queued": 0, "sent": 0, "failed": 0})


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    """Per digest: whether it goes to followers, and how many mails were queued, sent, failed."""

    list_display = ("digest", "state", "queued_at", "queued", "sent", "failed")
    list_filter = ("state",)
    list_select_related = ("digest",)
    search_fields = ("digest__title",)
    fields = readonly_fields = ("digest", "state", "first_seen_at", "queued_at", "recipients")

    def get_changelist(self, request, **kwargs):
        return MailingChangeList

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # once means once: no way to send a digest again

    @admin.display(description=_("queued"))
    def queued(self, mailing):
        return mailing.counts["queued"]

    @admin.display(description=_("sent"))
    def sent(self, mailing):
        return mailing.counts["sent"]

    @admin.display(description=_("failed"))
    def failed(self, mailing):
        return mailing.counts["failed"]


@admin.register(SendingSettings)
class SendingSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "batch_size", "mails_per_minute")

    def has_add_permission(self, request):
        return False  # the one row is made when the list is first opened

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        SendingSettings.current()  # the one row, with its defaults, to edit
        return super().changelist_view(request, extra_context)


@admin.action(description=_("Send me a test mail of the selected digests"), permissions=["view"])
def send_test(model_admin, request, queryset):
    """The digest's mail to the editor's own address, now, whatever its state."""
    address = request.user.email
    if not address:
        model_admin.message_user(
            request, _("Your account has no email address to send the test to."), messages.ERROR
        )
        return
    stamp = timezone.now().timestamp()
    for digest in queryset:
        mail = DigestMail(digest, test=True).message(address, "test")
        send_all_after_commit(f"digest-test:{digest.pk}:{stamp:.6f}", [mail], URGENT)
    message = ngettext(
        "%(count)d test mail queued for %(address)s.",
        "%(count)d test mails queued for %(address)s.",
        len(queryset),
    )
    model_admin.message_user(
        request, message % {"count": len(queryset), "address": address}, messages.SUCCESS
    )


# blog's admin knows nothing of followers; the action is added to it from here.
DigestAdmin.actions = (*(DigestAdmin.actions or ()), send_test)
