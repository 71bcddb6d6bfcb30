"""Who hears about a new public or held comment. A worker sends the mail after the commit."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from blog.site import site_url
from mailer.outbox import message, send_all_after_commit, unsubscribe_headers

from .models import Announcement, DigestComment, Subscription
from .subscriptions import unsubscribe_url

# Why a reader gets the mail; the template says so above the unsubscribe link.
REPLY, FOLLOWER, SUBSCRIBER = "reply", "follower", "subscriber"


def comment_published(comment):
    """Mail the parent's author (if they opted in), followers and subscribers, once per comment.

    Call it whenever a comment becomes public: at posting, on email confirmation, on approval.
    A comment that isn't public, or was announced before, mails nobody.
    """
    if comment.state != DigestComment.State.PUBLIC or not _first_announcement(comment):
        return
    digest = comment.content_object
    mails = [
        _reader_mail(email, name, reason, comment, digest)
        for email, name, reason in readers(comment, digest)
    ]
    if settings.COMMENTS_NOTIFY_EDITORS and settings.COMMENTS_NOTIFY_EDITORS_OF_PUBLIC:
        # Keyed apart from the readers' mail: an editor who also subscribed gets both.
        send_all_after_commit(
            f"comment-public-editors:{comment.pk}", _editor_mails(comment, digest, held=False)
        )
    send_all_after_commit(f"comment-public:{comment.pk}", mails)


def comment_held(comment):
    """Tell the editors; a comment held again after an edit is a new event (its edit time)."""
    if settings.COMMENTS_NOTIFY_EDITORS:
        held_at = int((comment.edited_at or comment.submit_date).timestamp())
        send_all_after_commit(
            f"comment-held:{comment.pk}:{held_at}",
            _editor_mails(comment, comment.content_object, held=True),
        )


def readers(comment, digest):
    """[(email, name, reason)] to tell about a public comment: one entry per address (the
    closest reason wins), never the comment's own author."""
    seen = {comment.user_email.casefold()}
    found = []

    def add(email, name, reason):
        if email and email.casefold() not in seen:
            seen.add(email.casefold())
            found.append((email, name, reason))

    if comment.is_reply:
        parent = (
            DigestComment.objects.filter(pk=comment.parent_id)
            .exclude(state=DigestComment.State.SPAM)
            .exclude(notify=DigestComment.Notify.NONE)
            .values_list("user_email", "user_name")
            .first()
        )
        if parent:
            add(*parent, REPLY)
    followers = (
        DigestComment.objects.for_digest(digest)
        .public()
        .filter(notify=DigestComment.Notify.ALL)
        .values_list("user_email", "user_name")
    )
    for email, name in followers:
        add(email, name, FOLLOWER)
    subscribers = Subscription.objects.confirmed().filter(digest=digest)
    for email, name in subscribers.values_list("email", "name"):
        add(email, name, SUBSCRIBER)
    return found


def _first_announcement(comment):
    """Record that this comment is announced; False if it was before (approved twice, say).
    The row commits or rolls back with the mails queued alongside it."""
    _announcement, created = Announcement.objects.get_or_create(comment_id=comment.pk)
    return created


def _reader_mail(email, name, reason, comment, digest):
    unsubscribe = unsubscribe_url(email, digest.pk)
    if reason == REPLY:
        subject = _("New reply on “%(digest)s”") % {"digest": digest}
    else:
        subject = _("New comment on “%(digest)s”") % {"digest": digest}
    return message(
        email,
        subject,
        "comments/mail/notification.txt",
        {"name": name, "comment": comment, "digest": digest, "reason": reason,
         "url": site_url(comment.get_absolute_url()), "unsubscribe_url": unsubscribe},
        headers=unsubscribe_headers(unsubscribe),
    )  # fmt: skip


def _editor_mails(comment, digest, held):
    editors = set(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if digest.author and digest.author.email:
        editors.add(digest.author.email)
    # Nobody is told about their own comment.
    editors = {e for e in editors if e.casefold() != (comment.user_email or "").casefold()}
    admin_url = site_url(reverse("admin:comments_digestcomment_change", args=[comment.pk]))
    return [
        message(
            email,
            f"{'Held' if held else 'New'} comment on “{digest}”",
            "comments/mail/editor.txt",
            {"comment": comment, "digest": digest, "held": held, "admin_url": admin_url},
        )
        for email in sorted(editors)
    ]
