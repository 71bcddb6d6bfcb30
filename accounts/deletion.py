"""Deleting a reader's account: the account goes, their comments stay."""

from django.conf import settings
from django.db import transaction

from comments.models import DigestComment, Subscription


@transaction.atomic
def delete_account(user):
    """Delete user; their comments keep their name or are anonymised (ACCOUNTS_DELETED_COMMENTS).

    Either way nothing that reaches them stays: the address, the IP, mail on replies, and
    subscriptions to their address.
    """
    changes = {
        "user_email": "",
        "ip_address": None,
        "notify": DigestComment.Notify.NONE,
        "followup": False,
    }
    if settings.ACCOUNTS_DELETED_COMMENTS == "anonymise":
        # The fingerprint is a hash of the address and text: it goes with the address.
        changes |= {
            "user_name": str(settings.ACCOUNTS_ANONYMOUS_NAME),
            "user_url": "",
            "fingerprint": None,
        }
    DigestComment.objects.filter(user=user).update(**changes)
    if user.email:
        Subscription.objects.filter(email__iexact=user.email).delete()
    user.delete()
