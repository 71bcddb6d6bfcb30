from django.contrib import admin

from .models import DigestComment, VerifiedEmail


@admin.register(DigestComment)
class DigestCommentAdmin(admin.ModelAdmin):
    list_display = ("name", "user_email", "state", "submit_date", "moderation_reason")
    list_filter = ("state",)
    search_fields = ("user_name", "user_email", "comment")


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(admin.ModelAdmin):
    list_display = ("email", "verified_at", "has_approved_comment")
    search_fields = ("email",)
