"""What the blog keeps of the fediverse: its key pair, the actors it met, followers, the
replies and reactions they sent, what arrived in the inbox, the block list, and what it
delivered to whom."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class KeyPair(models.Model):
    """The blog actor's RSA key pair: made once, on the first use (fediverse.keys)."""

    private_pem = models.TextField(_("private key"), editable=False)
    public_pem = models.TextField(_("public key"), editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("key pair")
        verbose_name_plural = _("key pairs")

    def __str__(self):
        return gettext("Key pair of %(date)s") % {"date": f"{self.created_at:%Y-%m-%d}"}


class RemoteActor(models.Model):
    """Someone on another server, as their actor document said when last fetched."""

    uri = models.URLField(_("actor id"), max_length=500, unique=True)
    key_id = models.URLField(_("key id"), max_length=500, db_index=True)
    public_key_pem = models.TextField(_("public key"))
    inbox = models.URLField(_("inbox"), max_length=500)
    shared_inbox = models.URLField(_("shared inbox"), max_length=500, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    handle = models.CharField(_("handle"), max_length=300, blank=True, help_text=_("user@server"))
    profile_url = models.URLField(_("profile"), max_length=500, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/fediverse/", blank=True)
    avatar_source = models.URLField(max_length=2000, blank=True, editable=False)
    fetched_at = models.DateTimeField(_("fetched"), default=timezone.now)

    class Meta:
        ordering = ("handle",)
        verbose_name = _("remote actor")
        verbose_name_plural = _("remote actors")

    def __str__(self):
        return f"@{self.handle}" if self.handle else self.uri

    def get_absolute_url(self):
        return self.profile_url or self.uri

    @property
    def delivery_inbox(self):
        return self.shared_inbox or self.inbox


class Inbox(models.Model):
    """An inbox we deliver to (a server's shared inbox, or one actor's)."""

    url = models.URLField(_("address"), max_length=500, unique=True)
    gone_at = models.DateTimeField(
        _("gone since"),
        null=True,
        blank=True,
        help_text=_("It answered 410 Gone: nothing is sent there any more."),
    )

    class Meta:
        ordering = ("url",)
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")

    def __str__(self):
        return self.url


class Follower(models.Model):
    actor = models.OneToOneField(
        RemoteActor, on_delete=models.CASCADE, related_name="follower", verbose_name=_("actor")
    )
    inbox = models.ForeignKey(
        Inbox, on_delete=models.PROTECT, related_name="followers", verbose_name=_("inbox")
    )
    follow_id = models.URLField(_("Follow activity"), max_length=500, blank=True)
    followed_at = models.DateTimeField(_("following since"), default=timezone.now)

    class Meta:
        ordering = ("-followed_at",)
        verbose_name = _("fediverse follower")
        verbose_name_plural = _("fediverse followers")

    def __str__(self):
        return str(self.actor)

    def get_absolute_url(self):
        return self.actor.get_absolute_url()


class RemoteNote(models.Model):
    """A comment that came as a Note from the fediverse: who wrote it, and its id there."""

    comment = models.OneToOneField(
        "comments.DigestComment",
        on_delete=models.CASCADE,
        related_name="remote_note",
        verbose_name=_("comment"),
    )
    uri = models.URLField(_("Note id"), max_length=500, unique=True)
    actor = models.ForeignKey(
        RemoteActor, on_delete=models.CASCADE, related_name="notes", verbose_name=_("actor")
    )

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("fediverse reply")
        verbose_name_plural = _("fediverse replies")

    def __str__(self):
        return self.uri

    def get_absolute_url(self):
        return self.comment.get_absolute_url()


class Reaction(models.Model):
    """A Like or an Announce (boost) of a digest, counted next to the readers' likes."""

    class Kind(models.TextChoices):
        LIKE = "Like", _("Like")
        ANNOUNCE = "Announce", _("Boost")

    digest = models.ForeignKey(
        "blog.Digest", on_delete=models.CASCADE, related_name="reactions", verbose_name=_("digest")
    )
    actor = models.ForeignKey(
        RemoteActor, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("actor")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    uri = models.URLField(_("activity id"), max_length=500, unique=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=("digest", "actor", "kind"), name="fediverse_reaction_once"
            )
        ]

    def __str__(self):
        return gettext("%(kind)s of digest %(pk)s by %(actor)s") % {
            "kind": self.get_kind_display(), "pk": self.digest_id, "actor": self.actor
        }  # fmt: skip

    def get_absolute_url(self):
        return self.digest.get_absolute_url()


class InboxActivity(models.Model):
    """An accepted (signed, checked) activity that arrived in the inbox, and what came of it."""

    uri = models.CharField(_("activity id"), max_length=500, db_index=True)
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.CharField(_("actor"), max_length=500)
    result = models.CharField(_("result"), max_length=300)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-received_at", "-pk")
        verbose_name = _("inbox activity")
        verbose_name_plural = _("inbox activities")

    def __str__(self):
        return gettext("%(kind)s from %(actor)s") % {"kind": self.kind, "actor": self.actor}


class SeenSignature(models.Model):
    """A request signature already accepted: the same one again is a replay. Kept as long
    as its Date could still pass the clock-skew check."""

    digest = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-seen_at",)

    def __str__(self):
        return self.digest


class Block(models.Model):
    """A server (example.social) or an actor (its id) whose activities are dropped unread."""

    class Kind(models.TextChoices):
        INSTANCE = "instance", _("Server (every account on it)")
        ACTOR = "actor", _("One account (its actor id)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(
        _("server or account"),
        max_length=500,
        unique=True,
        help_text=_("A host name, or an actor's id (https://…)."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ("value",)
        verbose_name = _("block")
        verbose_name_plural = _("block list")

    def __str__(self):
        return self.value

    def save(self, *args, **kwargs):
        self.value = self.value.strip().lower() if self.kind == self.Kind.INSTANCE else self.value
        super().save(*args, **kwargs)


class Activity(models.Model):
    """An activity the blog sends (Create, Update, Delete, Accept), stored once, as sent."""

    uri = models.URLField(_("activity id"), max_length=500, unique=True)
    kind = models.CharField(_("kind"), max_length=20)
    payload = models.JSONField(_("content"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self):
        return self.uri


class Delivery(models.Model):
    """One activity to one inbox, and how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")
        GONE = "gone", _("Inbox gone (410)")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("activity")
    )
    inbox = models.ForeignKey(
        Inbox, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("inbox")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ("-pk",)
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=("activity", "inbox"), name="fediverse_delivery_once")
        ]

    def __str__(self):
        return f"{self.activity.kind} → {self.inbox}"


class Publication(models.Model):
    """A digest as the fediverse knows it: its Article id, and whether it is there now."""

    digest = models.OneToOneField(
        "blog.Digest",
        on_delete=models.SET_NULL,
        null=True,
        related_name="publication",
        verbose_name=_("digest"),
    )
    uri = models.URLField(_("Article id"), max_length=500, unique=True)
    live = models.BooleanField(default=True, help_text=_("Created and not deleted since."))
    version = models.PositiveIntegerField(_("version"), default=0)
    # The digest's updated_at when it was last sent: an older copy is not sent again.
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ("-updated_at",)
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return self.uri
