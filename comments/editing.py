"""Authors change or remove their own comment for a short while after sending it.

Who the author is: a signed-in reader owns the comments made with their account; a guest
owns the comments session.remember_own() listed in their session, with the submit time as a
check. The session is kept on the server behind a signed, HttpOnly cookie, so the Edit and
Delete links work only in the browser the comment was written in; a signed token in the
link itself would be a key that works wherever the address ends up (synced history, a
pasted link, a shared screen).
"""

import math
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django_comments_xtd.models import XtdComment

from blog.models import Digest
from blog.sanitize import render_comment_text
from blog.text import limited_field

from . import abuse, moderation, notifications
from .models import DigestComment
from .session import OWN_COMMENTS

DELETED_TEXT = "This comment was deleted."
# A comment deleted by its author but kept because it has replies (see remove()).
DELETED = Q(state=DigestComment.State.REMOVED)


def is_deleted(comment):
    return comment.state == DigestComment.State.REMOVED


def is_author(request, comment):
    """Whether this browser (or account) wrote the comment."""
    if comment.user_id is not None:
        return request.user.is_authenticated and request.user.pk == comment.user_id
    own = request.session.get(OWN_COMMENTS, {})
    # The stored submit time must match too, so an id never stands for another comment.
    return own.get(str(comment.pk)) == int(comment.submit_date.timestamp())


def seconds_left(comment):
    """Seconds until the comment can no longer be changed (0 when the time is up)."""
    end = comment.submit_date + timedelta(seconds=settings.COMMENTS_EDIT_SECONDS)
    return max(0.0, (end - timezone.now()).total_seconds())


def minutes_left(request, comment):
    """Whole minutes (rounded up) this reader may still change the comment; 0 for others."""
    if comment.state == DigestComment.State.SPAM or is_deleted(comment):
        return 0
    if not is_author(request, comment):
        return 0
    return math.ceil(seconds_left(comment) / 60)


def forget(request, pk):
    """Drop a comment from the session's own list, e.g. once it is deleted."""
    own = request.session.get(OWN_COMMENTS, {})
    if own.pop(str(pk), None) is not None:
        request.session[OWN_COMMENTS] = own


def _window_text():
    minutes = settings.COMMENTS_EDIT_SECONDS // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class EditCommentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = limited_field(
            forms.CharField, settings.COMMENTS_BODY_MAX_LENGTH, "A comment",
            label="Comment", widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        )  # fmt: skip
        field.error_messages["required"] = field.error_messages["invisible"] = (
            "Write something before saving. To remove the comment, delete it instead."
        )
        self.fields["comment"] = field


@transaction.atomic
def save_text(comment, text):
    """Store new text; a public comment goes through the moderation rules again.

    Saved with update(), not save(): xtd's pre_save handler would rewrite the
    is_public flag of every reply below the comment.
    """
    comment.comment = text
    comment.comment_html = render_comment_text(text)
    comment.edited_at = timezone.now()
    comment.fingerprint = abuse.fingerprint(comment)
    if comment.state == DigestComment.State.PUBLIC:
        # Otherwise a comment approved as harmless could become spam afterwards.
        comment.state, comment.moderation_reason = moderation.decide(comment)
    DigestComment.objects.filter(pk=comment.pk).update(
        comment=comment.comment,
        comment_html=comment.comment_html,
        edited_at=comment.edited_at,
        fingerprint=comment.fingerprint,
        state=comment.state,
        moderation_reason=comment.moderation_reason,
        is_public=comment.state == DigestComment.State.PUBLIC,
        is_removed=comment.state == DigestComment.State.SPAM,
    )
    if comment.state == DigestComment.State.HELD:
        notifications.comment_held(comment)


@transaction.atomic
def remove(comment):
    """Delete the comment; with replies, keep the row as a nameless placeholder instead.

    Returns True if the row was deleted. The thread's root is locked as when a reply
    is placed, so no reply can arrive between the check and the delete.
    """
    thread = XtdComment.norel_objects.filter(thread_id=comment.thread_id)
    list(XtdComment.norel_objects.select_for_update().filter(pk=comment.thread_id).values("pk"))
    if thread.filter(parent_id=comment.pk).exclude(pk=comment.pk).exists():
        DigestComment.objects.filter(pk=comment.pk).update(
            state=DigestComment.State.REMOVED,
            is_public=False,
            is_removed=True,
            comment=DELETED_TEXT,
            comment_html=render_comment_text(DELETED_TEXT),
            user=None,
            user_name="",
            user_email="",
            user_url="",
            ip_address=None,
            fingerprint=None,
            notify=DigestComment.Notify.NONE,
            followup=False,
        )
        return False
    ancestors, node = [], {"pk": comment.pk, "parent_id": comment.parent_id}
    while node and node["parent_id"] != node["pk"]:
        ancestors.append(node["parent_id"])
        node = thread.filter(pk=node["parent_id"]).values("pk", "parent_id").first()
    thread.filter(pk__in=ancestors).update(nested_count=F("nested_count") - 1)
    comment.delete()
    return True


class OwnCommentMixin:
    """The reader's own comment on a published digest, while they may still change it."""

    def dispatch(self, request, pk):
        comment = get_object_or_404(
            DigestComment.objects.exclude(state=DigestComment.State.SPAM)
            .exclude(DELETED)
            .filter(content_type__app_label="blog", content_type__model="digest")
            .select_related("user"),
            pk=pk,
        )
        digest = get_object_or_404(Digest.objects.published(), pk=comment.object_pk)
        comment.content_object = digest  # no second query for links
        self.comment, self.digest = comment, digest
        if not is_author(request, comment):
            if comment.state != DigestComment.State.PUBLIC:
                raise Http404("No such comment")  # pending comments exist only for the author
            return self.refuse(
                "Only the person who wrote this comment can change it, in the browser they "
                "wrote it in."
            )
        if not seconds_left(comment):
            return self.refuse(
                f"A comment can be changed only in the first {_window_text()} after it is "
                "sent. This one can no longer be edited or deleted."
            )
        return super().dispatch(request, pk)

    def refuse(self, message):
        """403 with the reason; text typed into the edit form is shown so it can be copied."""
        context = {
            "comment": self.comment,
            "digest": self.digest,
            "message": message,
            "text": self.request.POST.get("comment", ""),
        }
        return render(self.request, "comments/edit_refused.html", context, status=403)

    def get_context_data(self, **kwargs):
        return {
            "comment": self.comment,
            "digest": self.digest,
            "minutes_left": math.ceil(seconds_left(self.comment) / 60),
            **kwargs,
        }


class EditCommentView(OwnCommentMixin, View):
    template_name = "comments/edit.html"

    def get(self, request, pk):
        form = EditCommentForm(initial={"comment": self.comment.comment})
        return render(request, self.template_name, self.get_context_data(form=form))

    def post(self, request, pk):
        form = EditCommentForm(request.POST)
        if not form.is_valid():
            return self.refuse_input(form, "Your comment was not changed: correct it below.")
        text = form.cleaned_data["comment"]
        if text != self.comment.comment:
            try:
                save_text(self.comment, text)
            except IntegrityError:
                message = "You have already sent a comment with this text here."
                return self.refuse_input(form, message)
            if self.comment.state == DigestComment.State.HELD:
                messages.info(request, "Your edited comment is awaiting moderation.")
            else:
                messages.success(request, "Your comment was updated.")
        return redirect(self.comment.get_absolute_url())

    def refuse_input(self, form, message):
        context = self.get_context_data(form=form, message=message)
        return render(self.request, self.template_name, context, status=400)


class DeleteCommentView(OwnCommentMixin, View):
    template_name = "comments/delete.html"

    def get(self, request, pk):
        has_replies = (
            XtdComment.norel_objects.filter(parent_id=self.comment.pk)
            .exclude(pk=self.comment.pk)
            .exists()
        )
        context = self.get_context_data(has_replies=has_replies)
        return render(request, self.template_name, context)

    def post(self, request, pk):
        forget(request, pk)
        deleted = remove(self.comment)
        if deleted:
            messages.success(request, "Your comment was deleted.")
            return redirect(self.digest.get_absolute_url() + "#comments")
        messages.success(request, "Your comment was deleted; the replies to it stay.")
        return redirect(self.comment.get_absolute_url())
