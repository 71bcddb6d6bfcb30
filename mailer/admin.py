"""Deliveries in the admin: what waits, what failed and why; failed mail can be sent again."""

from uuid import uuid4

from django.contrib import admin, messages
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Delivery
from .tasks import send_deliveries


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "status", "attempts", "error", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("to", "subject", "key")
    date_hierarchy = "created_at"
    actions = ("send_again",)
    fields = readonly_fields = (
        "key", "to", "status", "attempts", "last_error", "created_at", "last_attempt_at",
        "sent_at", "from_email", "subject", "headers", "body",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("last error"))
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(80)

    @admin.action(description=_("Send the selected failed mails again"), permissions=["change"])
    def send_again(self, request, queryset):
        """A fresh round of attempts for failed mails (once the mail server is fixed, say)."""
        batch = uuid4()
        with transaction.atomic():
            count = queryset.failed().update(
                status=Delivery.Status.PENDING, attempts=0, batch=batch, claimed_until=None
            )
            if count:
                send_deliveries.enqueue(str(batch))
        message = ngettext(
            "%(count)d mail queued to be sent again.",
            "%(count)d mails queued to be sent again.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
