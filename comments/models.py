from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_comments_xtd.models import XtdComment, XtdCommentManager

from blog.text import shorten

from .signals import comments_updated


class DigestCommentQuerySet(models.QuerySet):
    def for_digest(self, digest):
        """All comments on one digest, in thread order."""
        return self.filter(
            content_type__app_label="blog", content_type__model="digest", object_pk=str(digest.pk)
        ).order_by("thread_id", "order")

    def set_state(self, state, **fields):
        """update() to a new state, with the flags that go with it (DigestComment.flags)."""
        return self.update(state=state, **DigestComment.flags(state), **fields)

    def public(self):
        """Comments every reader sees."""
        return self.filter(state=DigestComment.State.PUBLIC)

    def update(self, **kwargs):
        """As QuerySet.update(), and says so (signals.comments_updated, with the object_pk
        of the digests concerned): no post_save is sent.
        The comments' stored HTML is to be drawn again (comments.rendering)."""
        listening = comments_updated.has_listeners(self.model)
        object_pks = set(self.values_list("object_pk", flat=True)) if listening else ()
        rows = super().update(html_key="", **kwargs)
        comments_updated.send(sender=self.model, rows=rows, object_pks=object_pks)
        return rows


class DigestCommentManager(XtdCommentManager.from_queryset(DigestCommentQuerySet)):
    pass


class DigestComment(XtdComment):
    """A comment on a digest. Thread fields (thread_id, parent_id, level, order) come from xtd."""

    class State(models.TextChoices):
        UNVERIFIED = "unverified", _("Awaiting email confirmation")
        HELD = "held", _("Awaiting moderation")
        PUBLIC = "public", _("Public")
        SPAM = "spam", _("Spam")
        # Deleted by its author but kept, nameless, so its replies keep their place.
        REMOVED = "removed", _("Deleted (kept for its replies)")

    class Notify(models.TextChoices):
        NONE = "none", _("No mail")
        REPLIES = "replies", _("Replies to this comment")
        ALL = "all", _("Every new comment on the digest")

    state = models.CharField(
        max_length=12, choices=State.choices, default=State.PUBLIC, db_index=True
    )
    # The comment text as stored HTML, cleaned once by blog.sanitize; the only thing marked safe.
    comment_html = models.TextField(blank=True, editable=False)
    notify = models.CharField(max_length=8, choices=Notify.choices, default=Notify.NONE)
    moderation_reason = models.CharField(max_length=200, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Same text, same digest, same author: stored once, also when two posts race.
    # NULL (not "") for comments without one, e.g. imported: unique allows many NULLs.
    fingerprint = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    # The comment as every reader sees it in a thread, drawn once per html_key (the hash of
    # what it was drawn from: see comments.rendering), not by saving the comment.
    html = models.TextField(blank=True, editable=False)
    html_key = models.CharField(max_length=24, blank=True, editable=False)

    objects = DigestCommentManager()

    # What save(update_fields=...) names when only the state changes.
    STATE_FIELDS = ("state", "is_public", "is_removed")

    class Meta:
        ordering = ("thread_id", "order")
        verbose_name, verbose_name_plural = _("comment"), _("comments")

    def __str__(self):
        return f"{self.name}: {shorten(self.comment, 50)}"

    @classmethod
    def flags(cls, state):
        """is_public / is_removed for a state: django-comments and xtd filter on them, our
        `state` decides them. The one place this rule lives."""
        return {
            "is_public": state == cls.State.PUBLIC,
            "is_removed": state in {cls.State.SPAM, cls.State.REMOVED},
        }

    def save(self, *args, **kwargs):
        for flag, value in self.flags(self.state).items():
            setattr(self, flag, value)
        if self.submit_date is None:
            self.submit_date = timezone.now()
        self.html_key = ""  # drawn again with what changed (comments.rendering)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "html_key"}
        # Skip XtdComment.save(): it places replies outside any lock. comments.threading does it.
        super(XtdComment, self).save(*args, **kwargs)

    def get_absolute_url(self, anchor_pattern="#c%(id)s"):
        return self.content_object.get_absolute_url() + (anchor_pattern % {"id": self.pk})

    @property
    def anchor(self):
        return f"c{self.pk}"

    @property
    def is_reply(self):
        return self.parent_id != self.pk


class VerifiedEmail(models.Model):
    """An address whose owner has confirmed it once; it may comment again without a new check."""

    email = models.EmailField(max_length=254, unique=True)
    verified_at = models.DateTimeField(default=timezone.now)
    # Like WordPress's "comment author must have a previously approved comment".
    has_approved_comment = models.BooleanField(default=False)

    class Meta:
        ordering = ("email",)

    def __str__(self):
        return self.email


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        """Subscriptions whose address has opened the confirmation link."""
        return self.filter(confirmed_at__isnull=False)


class Subscription(models.Model):
    """An address that gets every new public comment on one digest, without commenting."""

    digest = models.ForeignKey(
        "blog.Digest", on_delete=models.CASCADE, related_name="comment_subscriptions"
    )
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=245, blank=True)
    # Empty until the owner of the address confirms; unconfirmed rows are purged.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ("digest", "email")
        constraints = [
            models.UniqueConstraint(fields=("digest", "email"), name="comments_subscription_once")
        ]

    def __str__(self):
        return f"{self.email} on {self.digest}"

    def get_absolute_url(self):
        return self.digest.get_absolute_url()


class Announcement(models.Model):
    """A public comment whose readers have been mailed: it is announced once, however
    often it is approved, confirmed or republished."""

    comment = models.OneToOneField(
        DigestComment, on_delete=models.CASCADE, primary_key=True, related_name="announcement"
    )
    announced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-announced_at",)

    def __str__(self):
        return f"Comment {self.comment_id} announced {self.announced_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return self.comment.get_absolute_url()
