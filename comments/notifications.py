"""Who hears about a new public or held comment."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from .mail import send_after_commit, site_url
from .models import DigestComment


def comment_published(comment):
    """Tell the author of the comment replied to (if they asked) and the digest's followers."""
    digest = comment.content_object
    sent = {comment.user_email}
    if comment.is_reply:
        parent = DigestComment.objects.filter(pk=comment.parent_id).first()
        if parent and parent.notify != DigestComment.Notify.NONE and parent.user_email not in sent:
            _notify(parent.user_email, parent.user_name, comment, digest, "reply")
            sent.add(parent.user_email)
    followers = (
        DigestComment.objects.for_digest(digest)
        .public()
        .filter(notify=DigestComment.Notify.ALL)
        .values_list("user_email", "user_name")
    )
    for email, name in followers:
        if email not in sent:
            _notify(email, name, comment, digest, "new")
            sent.add(email)
    if settings.COMMENTS_NOTIFY_EDITORS and settings.COMMENTS_NOTIFY_EDITORS_OF_PUBLIC:
        _tell_editors(comment, digest, held=False)


def comment_held(comment):
    if settings.COMMENTS_NOTIFY_EDITORS:
        _tell_editors(comment, comment.content_object, held=True)


def _notify(email, name, comment, digest, kind):
    send_after_commit(
        email,
        f"New {'reply' if kind == 'reply' else 'comment'} on “{digest}”",
        "comments/mail/notification.txt",
        {"name": name, "comment": comment, "digest": digest, "kind": kind,
         "url": site_url(comment.get_absolute_url())},
    )  # fmt: skip


def _tell_editors(comment, digest, held):
    editors = set(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if digest.author and digest.author.email:
        editors.add(digest.author.email)
    admin_url = site_url(reverse("admin:comments_digestcomment_change", args=[comment.pk]))
    for email in sorted(editors):
        send_after_commit(
            email,
            f"{'Held' if held else 'New'} comment on “{digest}”",
            "comments/mail/editor.txt",
            {"comment": comment, "digest": digest, "held": held, "admin_url": admin_url},
        )
