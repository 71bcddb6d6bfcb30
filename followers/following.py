"""Following the blog: double opt-in through a signed link that expires, and stopping.

The link's page confirms with a POST (a button), because mail scanners open every link
they see. Confirmation mails count against the limit every confirmation mail shares
(mailer.limits), per address and per IP.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blog.site import site_url
from mailer import limits
from mailer.models import Delivery
from mailer.outbox import URGENT, message, send_all_after_commit, send_in_batches

from .models import Follower, SendingSettings

SALT = "followers.confirm"


class Outcome:
    """What a follow request led to, in words for the reader."""

    SENT = _(
        "Almost done: check your inbox for a link to confirm. Open it to start getting digests."
    )
    ALREADY = _("This address already follows the blog: new digests are on their way to it.")
    FOLLOWING = _("Done: each new digest will be mailed to your account's address.")
    LIMITED = _(
        "We have already sent several confirmation mails to this address or from your "
        "network; use the newest one, or try again in an hour."
    )


def make_token(follower):
    stamp = int(follower.requested_at.timestamp())
    return signing.dumps({"f": follower.pk, "e": follower.email, "t": stamp}, salt=SALT)


def read_token(token):
    """The follower a confirmation link is for; raises signing.BadSignature (or
    SignatureExpired), also when the address was unsubscribed after the link was sent."""
    value = signing.loads(token, salt=SALT, max_age=settings.FOLLOWERS_CONFIRM_MAX_AGE)
    follower = Follower.objects.filter(pk=value["f"], email=value["e"]).first()
    if follower is None:
        raise signing.BadSignature("no such follower")
    if follower.unsubscribed_at and follower.unsubscribed_at.timestamp() > value["t"] + 1:
        raise signing.BadSignature("unsubscribed since")
    return follower


def ask(email, ip):
    """A reader asked to follow with this address (checked by followers.addresses)."""
    with transaction.atomic():
        follower, _created = Follower.objects.select_for_update().get_or_create(email=email)
        if follower.state == Follower.State.CONFIRMED:
            return Outcome.ALREADY
        if not limits.may_send_confirmation(email, ip):
            return Outcome.LIMITED
        queue_confirmation([follower])
    return Outcome.SENT


def follow_confirmed(email):
    """A signed-in reader follows with their account's address, confirmed already."""
    with transaction.atomic():
        follower, _created = Follower.objects.select_for_update().get_or_create(email=email)
        return Outcome.FOLLOWING if confirm(follower) else Outcome.ALREADY


def confirmation_mail(follower):
    url = site_url(reverse("followers:confirm", kwargs={"token": make_token(follower)}))
    return message(
        follower.email,
        _("Confirm that you want to follow %(blog)s") % {"blog": settings.BLOG_TITLE},
        "followers/mail/confirm.txt",
        {"url": url, "hours": settings.FOLLOWERS_CONFIRM_MAX_AGE // 3600},
    )


def queue_confirmation(followers, key=None):
    """A new link for each of these followers (pending again); each request is its own
    event, told apart by the time. Many (an import) go in batches at the sending pace.
    Returns how many mails were queued."""
    now = timezone.now()
    pks = [follower.pk for follower in followers]
    for start in range(0, len(pks), 5000):
        Follower.objects.filter(pk__in=pks[start : start + 5000]).update(
            state=Follower.State.PENDING, requested_at=now
        )
    for follower in followers:
        follower.state, follower.requested_at = Follower.State.PENDING, now
    key = key or f"follow-confirm:{pks[0]}:{now.timestamp():.6f}"
    if len(followers) == 1:
        return send_all_after_commit(key, [confirmation_mail(followers[0])], URGENT)
    pace = SendingSettings.current()
    mails = (confirmation_mail(follower) for follower in followers)
    return send_in_batches(key, mails, max(pace.batch_size, 1), pace.mails_per_minute)


def confirm(follower):
    """The address owner said yes; returns False if they had already."""
    if follower.state == Follower.State.CONFIRMED:
        return False
    follower.state, follower.confirmed_at = Follower.State.CONFIRMED, timezone.now()
    follower.save(update_fields=["state", "confirmed_at"])
    return True


def unsubscribe(follower):
    """No more digests to this address, from now on: its mails not yet sent are dropped."""
    with transaction.atomic():
        follower.state, follower.unsubscribed_at = Follower.State.UNSUBSCRIBED, timezone.now()
        follower.save(update_fields=["state", "unsubscribed_at"])
        Delivery.objects.pending().filter(to=follower.email, key__startswith="digest:").delete()
