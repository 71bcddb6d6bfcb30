"""What editors see of the fediverse: followers, the inbox, deliveries, the block list."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import actors
from .delivery import enqueue
from .models import (
    Activity,
    Block,
    Delivery,
    Follower,
    Inbox,
    InboxActivity,
    KeyPair,
    Reaction,
    RemoteActor,
    RemoteNote,
)  # fmt: skip


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follower)
class FollowerAdmin(ReadOnly):
    list_display = ("actor", "name", "inbox", "followed_at")
    search_fields = ("actor__handle", "actor__name", "actor__uri")
    list_select_related = ("actor", "inbox")
    date_hierarchy = "followed_at"

    @admin.display(description=_("name"))
    def name(self, follower):
        return follower.actor.name

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Fediverse followers: %(n)s") % {
            "n": Follower.objects.count()}}  # fmt: skip
        return super().changelist_view(request, extra_context)


@admin.register(InboxActivity)
class InboxActivityAdmin(ReadOnly):
    list_display = ("received_at", "kind", "actor", "result")
    list_filter = ("kind",)
    search_fields = ("actor", "uri", "result")
    date_hierarchy = "received_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("activity", "kind", "inbox", "status", "attempts", "last_error", "sent_at")
    list_filter = ("status", "activity__kind")
    list_select_related = ("activity", "inbox")
    search_fields = ("inbox__url", "activity__uri", "last_error")
    actions = ("send_again",)

    @admin.display(description=_("kind"))
    def kind(self, delivery):
        return delivery.activity.kind

    @admin.action(description=_("Send the selected failed deliveries again"))
    def send_again(self, request, queryset):
        ids = list(queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, attempts=0)
        enqueue(ids)
        self.message_user(request, _("%(n)s deliveries queued again.") % {"n": len(ids)})


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("value", "kind", "reason", "created_at")
    list_filter = ("kind",)
    search_fields = ("value", "reason")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        gone = blocked_followers(obj)
        if gone:
            self.message_user(
                request, _("%(n)s followers there no longer get the digests.") % {"n": gone}
            )


def blocked_followers(block):
    """Stop delivering to the followers a new block covers; returns how many there were."""
    followers = Follower.objects.select_related("actor").only("pk", "actor__uri")
    ids = [f.pk for f in followers if block.value in actors.block_keys(f.actor.uri)]
    Follower.objects.filter(pk__in=ids).delete()
    return len(ids)


@admin.register(RemoteActor)
class RemoteActorAdmin(ReadOnly):
    list_display = ("handle", "name", "avatar_preview", "uri", "fetched_at")
    search_fields = ("handle", "name", "uri")

    @admin.display(description=_("avatar"))
    def avatar_preview(self, actor):
        if not actor.avatar:
            return ""
        return format_html('<img src="{}" width="32" height="32" alt="">', actor.avatar.url)


@admin.register(Reaction)
class ReactionAdmin(ReadOnly):
    list_display = ("digest", "kind", "actor", "created_at")
    list_filter = ("kind",)
    list_select_related = ("digest", "actor")


admin.site.register(RemoteNote, ReadOnly)
admin.site.register(Inbox, ReadOnly)
admin.site.register(Activity, ReadOnly)


@admin.register(KeyPair)
class KeyPairAdmin(ReadOnly):
    """When the pair in use was made; the private key is never shown."""

    list_display = ("created_at",)
    fields = ("created_at", "public_pem")
    readonly_fields = fields
