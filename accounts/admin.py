from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "provider", "avatar_preview", "updated_at")
    list_filter = ("provider",)
    search_fields = ("display_name", "user__username", "user__email")
    readonly_fields = ("avatar_source", "updated_at")
    list_select_related = ("user",)

    @admin.display(description=_("Avatar"))
    def avatar_preview(self, profile):
        if not profile.avatar:
            return "—"
        return format_html('<img src="{}" width="32" height="32" alt="">', profile.avatar.url)
