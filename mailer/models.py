"""One row per mail: what to send (rendered once), to whom, for which event, and how it went."""

from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HTML = "text/html"


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Delivery.Status.PENDING)

    def failed(self):
        return self.filter(status=Delivery.Status.FAILED)

    def unclaimed(self):
        """Pending rows no worker is sending right now (or whose worker stopped mid-send)."""
        return self.pending().filter(Q(claimed_until=None) | Q(claimed_until__lt=timezone.now()))

    def claim(self, pk, seconds):
        """This worker's turn to send one delivery, or None if it is sent, failed or taken.

        One conditional UPDATE: of two workers racing for the row, one changes it.
        """
        now = timezone.now()
        taken = (
            self.filter(pk=pk)
            .unclaimed()
            .update(
                claimed_until=now + timedelta(seconds=seconds),
                attempts=F("attempts") + 1,
                last_attempt_at=now,
            )
        )
        return self.filter(pk=pk).first() if taken else None

    def mark_sent(self, pk):
        self.filter(pk=pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
        )

    def record_failure(self, error, final, count_attempt=False):
        """Note why sending failed; on the last attempt the rows show as failed in the admin."""
        changes = {
            "status": Delivery.Status.FAILED if final else Delivery.Status.PENDING,
            "last_error": f"{type(error).__name__}: {error}"[:1000],
            "claimed_until": None,
        }
        if count_attempt:  # not claimed one by one: the connection failed first
            changes |= {"attempts": F("attempts") + 1, "last_attempt_at": timezone.now()}
        return self.update(**changes)


class Delivery(models.Model):
    """A mail to one address for one event, stored rendered so that a retry sends the same mail."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(
        max_length=200, help_text=_("The event this mail is about, e.g. comment-confirm:42.")
    )
    to = models.CharField(max_length=254)
    batch = models.UUIDField(db_index=True, help_text=_("Queued together, sent by one task."))
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True, help_text=_("The HTML part, if the mail has one."))
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A worker sending this row holds it until then; after that (it was killed, say) the next
    # attempt may take it.
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=("key", "to"), name="mailer_delivery_once_per_event")
        ]
        indexes = [models.Index(fields=("status", "created_at"))]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    def get_absolute_url(self):
        return reverse("admin:mailer_delivery_change", args=[self.pk])

    @classmethod
    def from_message(cls, key, mail, batch):
        """A row for one EmailMessage with a single recipient."""
        [to] = mail.to
        html = [content for content, kind in getattr(mail, "alternatives", ()) if kind == HTML]
        return cls(
            key=key,
            to=to,
            batch=batch,
            from_email=mail.from_email,
            subject=mail.subject,
            body=mail.body,
            html=html[0] if html else "",
            headers=dict(mail.extra_headers),
        )

    def email(self, connection):
        mail = EmailMultiAlternatives(
            self.subject,
            self.body,
            self.from_email,
            [self.to],
            headers=self.headers,
            connection=connection,
        )
        if self.html:
            mail.attach_alternative(self.html, HTML)
        return mail
