"""Posting a comment and confirming a guest's address: the pages; the work is in
comments.services and comments.actions."""

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from blog.models import Digest
from blog.text import parse_id

from .. import abuse, actions, moderation, services, verification
from ..forms import DigestCommentForm
from ..models import DigestComment
from ..session import remember_author, remember_own
from ..threading import ParentGone, ThreadTooDeep


class PostCommentView(View):
    """Store a new comment in one locked transaction, then mail whoever needs to know."""

    def post(self, request):
        # parse_id: None (so no digest, 404) for anything but an id in range.
        pk = parse_id(request.POST.get("object_pk"))
        digest = get_object_or_404(Digest.objects.published(), pk=pk)
        form = DigestCommentForm(digest, data=request.POST, user=request.user)
        if not moderation.comments_open(digest):
            message = _("Comments on this digest are closed.")
            return self.refuse(request, digest, form, message, 403)
        if not form.is_valid():
            # A hidden field has no place to show its error: it becomes the message.
            hidden = [error for field in form.hidden_fields() for error in field.errors]
            message = hidden[0] if hidden else _("Please correct the marked fields.")
            return self.refuse(request, digest, form, message, 400)
        comment = form.build_comment(request)
        try:
            abuse.check_flood_and_rate(request, comment.user_email)
        except abuse.Refused as exc:
            return self.refuse(request, digest, form, str(exc), 429)
        parent = self.parent(form, digest)
        if parent is False:
            return self.refuse(request, digest, form, _("The comment you replied to is gone."), 400)
        try:
            services.post_comment(request, comment, parent)
        except ParentGone:
            return self.refuse(request, digest, form, _("The comment you replied to is gone."), 400)
        except ThreadTooDeep:
            message = _("Replies can't go deeper here. Reply to an earlier comment in the thread.")
            return self.refuse(request, digest, form, message, 400)
        except IntegrityError:
            existing = DigestComment.objects.filter(fingerprint=comment.fingerprint).first()
            if existing is None:
                raise
            messages.info(request, _("You had already sent this comment; it is stored once."))
            # Sending the same words again proves nothing: only a comment this browser
            # already owns stays editable here.
            return redirect(existing.get_absolute_url())
        remember_own(request, comment)
        response = redirect(comment.get_absolute_url())
        remember_author(response, form)
        return response

    def parent(self, form, digest):
        reply_to = form.cleaned_data.get("reply_to") or 0
        if not reply_to:
            return None
        parent = DigestComment.objects.for_digest(digest).filter(pk=reply_to).first()
        if parent is None or parent.state != DigestComment.State.PUBLIC:
            return False
        return parent

    def refuse(self, request, digest, form, message, status):
        """Show the form again with everything the reader typed, and why it was not sent."""
        context = {"digest": digest, "form": form, "message": message}
        return render(request, "comments/form_page.html", context, status=status)


def form_again(request, message):
    """The comment form page with what the reader sent, to send again (a token missing:
    caching.csrf); None when the digest is not one that takes comments."""
    digest = Digest.objects.published().filter(pk=parse_id(request.POST.get("object_pk"))).first()
    if digest is None:
        return None
    form = DigestCommentForm(digest, data=request.POST, user=request.user)
    return PostCommentView().refuse(request, digest, form, message, 403)


class ConfirmView(View):
    """A guest opens the link in the confirmation mail (a button POSTs, so mail scanners don't)."""

    template_name = "comments/confirm.html"

    def get_comment(self, token):
        try:
            pk, email = verification.read_token(token)
        except signing.SignatureExpired:
            return None, _("This link has expired. Send your comment again to get a new one.")
        except signing.BadSignature:
            return None, _("This link is not valid. Copy the whole address from the mail.")
        comment = DigestComment.objects.filter(pk=pk, user_email=email).first()
        if comment is None:
            return None, _("This comment no longer exists.")
        return comment, ""

    def get(self, request, token):
        comment, error = self.get_comment(token)
        context = {"comment": comment, "error": error, "outcome": self.outcome(comment)}
        return render(request, self.template_name, context, status=400 if error else 200)

    def outcome(self, comment):
        """What the button will do, said before the click: "public", "held" or "done"."""
        if comment is None:
            return ""
        if comment.state != DigestComment.State.UNVERIFIED:
            return "done"
        # Spam is announced like a held comment: nothing tells a spammer what was caught.
        state, _reason = moderation.decide(comment)
        return "public" if state == DigestComment.State.PUBLIC else "held"

    def post(self, request, token):
        comment, error = self.get_comment(token)
        if error:
            return render(
                request, self.template_name, {"comment": None, "error": error}, status=400
            )
        if comment.state == DigestComment.State.UNVERIFIED:
            actions.confirm(request, comment)
            remember_own(request, comment)
        return redirect(comment.get_absolute_url())
