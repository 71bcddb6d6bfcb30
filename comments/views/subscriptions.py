"""Subscribing to a digest's comments, confirming by the mailed link, unsubscribing."""

from django.contrib import messages
from django.core import signing
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from blog.models import Digest
from blog.text import parse_id

from .. import moderation
from ..forms import SubscribeForm
from ..subscriptions import (
    AT_FORM,
    ONE_CLICK,
    confirm,
    read_confirm_token,
    read_unsubscribe_token,
    request_confirmation,
    unsubscribe,
)
from ..verification import may_send_confirmation


class SubscribeView(View):
    """The small form under the comment form: a guest gets a link, a signed-in reader is in."""

    template_name = "comments/subscription.html"

    def post(self, request):
        pk = parse_id(request.POST.get("digest"))  # None: 404
        digest = get_object_or_404(Digest.objects.published(), pk=pk)
        form = SubscribeForm(request.POST, user=request.user)
        if not moderation.comments_open(digest):
            message = _("Comments on this digest are closed: there will be no new ones to send.")
            return self.show(request, digest, form, message, 403)
        if not form.is_valid():
            return self.show(request, digest, form, _("Please correct the marked field."), 400)
        email = form.address()
        # The answer is shown inside the form (blog's placed_messages), where the reader is.
        if form.user is not None:
            name = form.user.get_full_name() or form.user.get_username()
            confirm(digest, email, name)
            _say_subscribed(request, email, extra_tags=AT_FORM)
        elif may_send_confirmation(email, request):
            request_confirmation(digest, email)
            # Same words whether or not the address was subscribed already: nothing leaks.
            messages.info(
                request,
                _(
                    "Almost done: we will send a link to %(email)s in a moment. "
                    "Open it to start getting new comments."
                )
                % {"email": email},
                extra_tags=AT_FORM,
            )
        else:
            messages.warning(
                request,
                _(
                    "We have already sent several confirmation mails to this address or from "
                    "your network; use the newest one, or try again in an hour."
                ),
                extra_tags=AT_FORM,
            )
        return redirect(digest.get_absolute_url() + "#subscribe")

    def show(self, request, digest, form, message, status):
        context = {"digest": digest, "form": form, "message": message, "step": "form"}
        return render(request, self.template_name, context, status=status)


class SubscriptionConfirmView(View):
    """The link in the confirmation mail: GET shows a button, POST subscribes."""

    template_name = "comments/subscription.html"

    def read(self, token):
        try:
            digest_id, email = read_confirm_token(token)
        except signing.SignatureExpired:
            return None, None, _("This link has expired. Subscribe again to get a new one.")
        except signing.BadSignature:
            return None, None, _("This link is not valid. Copy the whole address from the mail.")
        digest = Digest.objects.published().filter(pk=digest_id).first()
        if digest is None:
            return None, None, _("This digest is no longer published.")
        return digest, email, ""

    def get(self, request, token):
        digest, email, error = self.read(token)
        context = {"digest": digest, "email": email, "error": error, "step": "confirm"}
        return render(request, self.template_name, context, status=400 if error else 200)

    def post(self, request, token):
        digest, email, error = self.read(token)
        if error:
            context = {"error": error, "step": "confirm"}
            return render(request, self.template_name, context, status=400)
        confirm(digest, email)
        _say_subscribed(request, email)
        return redirect(digest.get_absolute_url() + "#comments")


# Mail clients send the RFC 8058 one-click POST without cookies or a CSRF token, so this view
# is exempt; the signed token in the address is what authorises it. The button on the page
# still goes through the CSRF check (post() runs it for everything but the one-click body).
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """GET shows a button; POST unsubscribes (the one-click POST answers in plain text)."""

    template_name = "comments/unsubscribe.html"

    def read(self, token):
        """(email, digest id, digest or None, error message)."""
        try:
            email, digest_id = read_unsubscribe_token(token)
        except signing.BadSignature:
            error = _("This link is not valid. Copy the whole address from the mail.")
            return None, None, None, error
        # Any digest, published or not: a reader may stop mail about one taken down since.
        return email, digest_id, Digest.objects.filter(pk=digest_id).first(), ""

    def get(self, request, token):
        email, _digest_id, digest, error = self.read(token)
        context = {"email": email, "digest": digest, "error": error, "done": False}
        return render(request, self.template_name, context, status=400 if error else 200)

    def post(self, request, token):
        one_click = request.POST.get("List-Unsubscribe") == ONE_CLICK
        if not one_click:
            refused = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
            if refused is not None:
                return refused
        email, digest_id, digest, error = self.read(token)
        if error:
            if one_click:
                return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
            context = {"error": error, "done": False}
            return render(request, self.template_name, context, status=400)
        unsubscribe(email, digest_id)
        if one_click:
            return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
        context = {"email": email, "digest": digest, "error": "", "done": True}
        return render(request, self.template_name, context)


def _say_subscribed(request, email, extra_tags=""):
    messages.success(
        request,
        _("Subscribed: every new comment on this digest will be mailed to %(email)s.")
        % {"email": email},
        extra_tags=extra_tags,
    )
