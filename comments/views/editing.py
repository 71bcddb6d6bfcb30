"""The author's Edit and Delete pages, open for COMMENTS_EDIT_SECONDS after sending."""

import math

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django_comments_xtd.models import XtdComment

from blog.models import Digest

from .. import actions
from ..editing import DELETED, forget, is_author, seconds_left
from ..forms import EditCommentForm
from ..models import DigestComment


def _window_text():
    minutes = settings.COMMENTS_EDIT_SECONDS // 60
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


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
                _(
                    "Only the person who wrote this comment can change it, in the browser "
                    "they wrote it in."
                )
            )
        if not seconds_left(comment):
            return self.refuse(
                _(
                    "A comment can be changed only in the first %(window)s after it is "
                    "sent. This one can no longer be edited or deleted."
                )
                % {"window": _window_text()}
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
            message = _("Your comment was not changed: correct it below.")
            return self.refuse_input(form, message)
        text = form.cleaned_data["comment"]
        if text != self.comment.comment:
            try:
                actions.save_text(self.comment, text)
            except IntegrityError:
                message = _("You have already sent a comment with this text here.")
                return self.refuse_input(form, message)
            if self.comment.state == DigestComment.State.HELD:
                messages.info(request, _("Your edited comment is awaiting moderation."))
            else:
                messages.success(request, _("Your comment was updated."))
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
        deleted = actions.remove(self.comment)
        if deleted:
            messages.success(request, _("Your comment was deleted."))
            return redirect(self.digest.get_absolute_url() + "#comments")
        messages.success(request, _("Your comment was deleted; the replies to it stay."))
        return redirect(self.comment.get_absolute_url())
