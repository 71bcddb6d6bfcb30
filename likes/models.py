"""Readers' likes of digests: one per account, or per guest (a random id in a signed cookie)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Like(models.Model):
    digest = models.ForeignKey("blog.Digest", on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="likes",
    )  # fmt: skip
    # A guest's random id (likes.readers); nothing else about them is kept.
    guest = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("digest", "user"),
                condition=Q(user__isnull=False),
                name="likes_once_per_user",
            ),
            models.UniqueConstraint(
                fields=("digest", "guest"), condition=~Q(guest=""), name="likes_once_per_guest"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, guest="") | (Q(user=None) & ~Q(guest="")),
                name="likes_user_or_guest",
            ),
        ]

    def __str__(self):
        return f"Like of {self.digest_id}"

    def get_absolute_url(self):
        return self.digest.get_absolute_url()
