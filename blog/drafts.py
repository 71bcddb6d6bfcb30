"""Autosaved drafts: what an editor had typed in a digest's admin form, kept on the server.

One per editor and digest (or per editor for a digest not saved yet). It holds the form's
fields as posted; uploaded images go to the media library (blog.library) and the autosave
names them. Nothing here touches the digest itself: readers never see an autosave.
"""

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Fields never kept: the CSRF token, the admin's submit buttons, the form's bookkeeping.
SKIPPED = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"}


class Autosave(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves"
    )
    digest = models.ForeignKey(
        "blog.Digest", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves",
        help_text=_("Empty for a digest that was never saved."),
    )  # fmt: skip
    # [[name, value], ...] in the form's order; a name may repeat (categories, tags).
    data = models.JSONField(default=list)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-saved_at",)
        verbose_name = _("autosave")
        constraints = [
            models.UniqueConstraint(
                fields=("user", "digest"), condition=Q(digest__isnull=False),
                name="one_autosave_per_editor_and_digest",
            ),
            models.UniqueConstraint(
                fields=("user",), condition=Q(digest__isnull=True),
                name="one_new_digest_autosave_per_editor",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.user} · {self.digest or _('new digest')} · {self.saved_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        from django.urls import reverse

        if self.digest_id:
            return reverse("admin:blog_digest_change", args=[self.digest_id])
        return reverse("admin:blog_digest_add")


def form_pairs(post):
    """The [name, value] pairs of a posted form worth keeping."""
    return [
        [name, value] for name, values in post.lists() if name not in SKIPPED for value in values
    ]


def keep(user, digest, pairs):
    """Store (or replace) the editor's autosave of this digest (None: a new one)."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                autosave, _created = Autosave.objects.update_or_create(
                    user=user, digest=digest, defaults={"data": pairs}
                )
            return autosave
        except IntegrityError:  # two autosaves at once: the other made the row
            continue
    raise RuntimeError("autosave row could not be stored")


def pending(user, digest):
    """The editor's autosave worth offering: for a saved digest, only if newer than it."""
    autosave = Autosave.objects.filter(user=user, digest=digest).first()
    if autosave is None:
        return None
    if digest is not None and digest.updated_at and autosave.saved_at <= digest.updated_at:
        return None
    return autosave


def discard(user, digest, *, new_too=False):
    """Forget the editor's autosave (after a save, or when they decline it)."""
    condition = Q(digest=digest) if digest is not None else Q(digest__isnull=True)
    if new_too:
        condition |= Q(digest__isnull=True)
    Autosave.objects.filter(Q(user=user) & condition).delete()
