"""Webmentions: those other sites sent about our digests, and those we sent about theirs."""

from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MentionQuerySet(models.QuerySet):
    def public(self):
        """Mentions every reader sees under their digest (replies are shown as comments)."""
        return self.filter(state=Mention.State.PUBLIC).exclude(kind=Mention.Kind.REPLY)


class Mention(models.Model):
    """A webmention received: `source` (a page elsewhere) links to one of our digests."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        HELD = "held", _("Awaiting moderation")
        PUBLIC = "public", _("Public")
        SPAM = "spam", _("Spam")
        REJECTED = "rejected", _("Not verified")
        REMOVED = "removed", _("Removed by its source")

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")
        REPLY = "reply", _("Reply")
        LIKE = "like", _("Like")
        REPOST = "repost", _("Repost")
        BOOKMARK = "bookmark", _("Bookmark")

    digest = models.ForeignKey(
        "blog.Digest", on_delete=models.CASCADE, related_name="mentions", verbose_name=_("digest")
    )
    source = models.URLField(_("source"), max_length=500)
    # The target as the sender wrote it (http or https, our host as they know it).
    target = models.URLField(_("target"), max_length=500)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MENTION)
    # Why it is not shown (verification failed, a spam word...), for editors.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)
    author_name = models.CharField(_("author's name"), max_length=200, blank=True)
    author_url = models.URLField(_("author's address"), max_length=500, blank=True)
    # Stored for editors; never shown to readers (no image from another site in our pages).
    author_photo = models.URLField(_("author's photo"), max_length=500, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    # A reply (h-entry in-reply-to the digest) is also a comment in the digest's thread.
    comment = models.OneToOneField(
        "comments.DigestComment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mention",
        verbose_name=_("comment"),
    )
    sender_ip = models.GenericIPAddressField(_("sender's IP address"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ("-received_at",)
        verbose_name = _("webmention received")
        verbose_name_plural = _("webmentions received")
        constraints = [
            models.UniqueConstraint(fields=("digest", "source"), name="mentions_mention_once")
        ]

    def __str__(self):
        return f"{self.source} → {self.digest}"

    def get_absolute_url(self):
        return f"{self.digest.get_absolute_url()}#mentions"

    @property
    def source_host(self):
        return urlsplit(self.source).hostname or self.source


class SentMention(models.Model):
    """A webmention we sent (or tried to): one per digest and linked page."""

    class Status(models.TextChoices):
        SENT = "sent", _("Accepted by the receiver")
        NO_ENDPOINT = "no-endpoint", _("The page takes no webmentions")
        FAILED = "failed", _("Failed")

    digest = models.ForeignKey(
        "blog.Digest",
        on_delete=models.CASCADE,
        related_name="sent_mentions",
        verbose_name=_("digest"),
    )
    target = models.URLField(_("target"), max_length=500)
    endpoint = models.URLField(_("endpoint"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # The digest's content when it was sent: unchanged, it is not sent again.
    content_hash = models.CharField(_("content hash"), max_length=64)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ("-sent_at",)
        verbose_name = _("webmention sent")
        verbose_name_plural = _("webmentions sent")
        constraints = [
            models.UniqueConstraint(fields=("digest", "target"), name="mentions_sent_once")
        ]

    def __str__(self):
        return f"{self.digest} → {self.target}"

    def get_absolute_url(self):
        return self.target
