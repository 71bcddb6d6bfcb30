"""Followers of the blog, and each digest's mailing to them (at most one per digest)."""

import secrets

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(24)


class FollowerQuerySet(models.QuerySet):
    def confirmed(self):
        """Followers a new digest is mailed to."""
        return self.filter(state=Follower.State.CONFIRMED)


class Follower(models.Model):
    """One address that asked for every new digest. The address is shown in the admin only."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCING = "bouncing", _("Bouncing")

    class Source(models.TextChoices):
        FORM = "form", _("Follow form")
        IMPORT = "import", _("Imported")

    email = models.EmailField(max_length=254, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    # Unguessable and without expiry: the unsubscribe link of every mail carries it.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the latest confirmation link was queued.")
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=("state",))]
        verbose_name, verbose_name_plural = _("follower"), _("followers")

    def __str__(self):
        return f"Follower {self.pk}"

    def get_absolute_url(self):
        return reverse("admin:followers_follower_change", args=[self.pk])


class Mailing(models.Model):
    """A digest as news for followers: mailed once when it goes public, or never.

    Made the first time the site sees the digest saved. The first save that publishes it
    decides: a date already in the past then (an import, a back-dated digest, the demo)
    means never; otherwise it is mailed once the date comes.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Not published yet")
        WAITING = "waiting", _("Waiting for its date")
        QUEUED = "queued", _("Queued for followers")
        NEVER = "never", _("Never mailed: already in the past when published")

    digest = models.OneToOneField("blog.Digest", on_delete=models.CASCADE, related_name="mailing")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    # The publication time a task was last queued for: saving again queues none.
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0, help_text=_("Mails queued for followers."))

    class Meta:
        ordering = ("-first_seen_at", "-pk")

    def __str__(self):
        return f"Mailing of {self.digest}"

    def get_absolute_url(self):
        return reverse("admin:followers_mailing_change", args=[self.pk])

    @property
    def delivery_key(self):
        """The mailer's event for this digest: with the address, one mail per follower."""
        return f"digest:{self.digest_id}"


class SendingSettings(models.Model):
    """How fast digests go out: a small mail relay can be given a few mails a minute."""

    batch_size = models.PositiveIntegerField(
        default=200, help_text=_("Mails sent by one task, over one connection.")
    )
    mails_per_minute = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "At most this many digest mails a minute; 0: as fast as the server takes them."
        ),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("sending settings")

    def __str__(self):
        return "Sending settings"

    def get_absolute_url(self):
        return reverse("admin:followers_sendingsettings_change", args=[self.pk])

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]
