"""Following a digest's comments without commenting, and one-click unsubscribing from them.

Subscribing mails a signed, time-limited link (JSON, like comments.verification); the
link's page confirms with a POST, because mail scanners open every link they see.
Every notification carries a signed unsubscribe link without expiry (RFC 8058 headers).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from blog.models import Digest
from blog.text import limited_field, parse_id
from mailer.outbox import URGENT, send_after_commit, site_url

from . import moderation
from .models import DigestComment, Subscription
from .verification import may_send_confirmation

CONFIRM_SALT = "comments.subscribe"
UNSUBSCRIBE_SALT = "comments.unsubscribe"
# What an unsubscribe token stops. One scope so far: all comment mail about one digest.
SCOPE_DIGEST = "digest"
ONE_CLICK = "One-Click"
# The subscribe form's place for its messages (templates/comments/_section.html).
AT_FORM = "placed subscribe"


# Tokens


def make_confirm_token(digest, email):
    return signing.dumps({"d": digest.pk, "e": email}, salt=CONFIRM_SALT)


def read_confirm_token(token):
    """(digest id, email); raises signing.BadSignature (or SignatureExpired)."""
    value = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.COMMENTS_CONFIRM_MAX_AGE)
    return int(value["d"]), str(value["e"])


def make_unsubscribe_token(email, digest_id, scope=SCOPE_DIGEST):
    """Signed but without a date: a link in an old mail still works."""
    value = {"e": email, "d": int(digest_id), "s": scope}
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(value, compress=True)


def read_unsubscribe_token(token):
    """(email, digest id); raises signing.BadSignature, also for a scope we don't know."""
    value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    if value.get("s") != SCOPE_DIGEST:
        raise signing.BadSignature("unknown scope")
    return str(value["e"]), int(value["d"])


def unsubscribe_url(email, digest_id):
    token = make_unsubscribe_token(email, digest_id)
    return site_url(reverse("comments:unsubscribe", kwargs={"token": token}))


# Rules


def request_confirmation(digest, email):
    """Keep (or refresh) an unconfirmed subscription and queue its link's mail."""
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(digest=digest, email=email)
        if not created and subscription.confirmed_at is None:
            # A new link: the purge counts from the newest request.
            subscription.created_at = timezone.now()
            subscription.save(update_fields=["created_at"])
        token = make_confirm_token(digest, email)
        # Each request is its own event (a new link), told apart by the refreshed time.
        requested = int(subscription.created_at.timestamp())
        send_after_commit(
            f"subscription-confirm:{subscription.pk}:{requested}",
            email,
            f"Confirm your subscription to comments on “{digest}”",
            "comments/mail/subscription_confirm.txt",
            {"digest": digest, "digest_url": site_url(digest.get_absolute_url()),
             "url": site_url(reverse("comments:subscribe-confirm", kwargs={"token": token})),
             "hours": settings.COMMENTS_CONFIRM_MAX_AGE // 3600},
            priority=URGENT,
        )  # fmt: skip


def confirm(digest, email, name=""):
    """The address owner said yes: from now on every new public comment is mailed to them."""
    with transaction.atomic():
        subscription, _ = Subscription.objects.get_or_create(
            digest=digest, email=email, defaults={"name": name}
        )
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(email, digest_id):
    """Stop every comment mail about one digest to one address: replies to its comments,
    "every new comment", and a subscription. Returns whether anything was on."""
    digest = Digest(pk=digest_id)
    with transaction.atomic():
        # iexact: addresses are stored lower-case, but imported comments may not be.
        comments = (
            DigestComment.objects.for_digest(digest)
            .filter(user_email__iexact=email)
            .exclude(notify=DigestComment.Notify.NONE)
        )
        changed = comments.update(notify=DigestComment.Notify.NONE, followup=False)
        deleted, _ = Subscription.objects.filter(digest=digest, email__iexact=email).delete()
    return bool(changed or deleted)


# Views


class SubscribeForm(forms.Form):
    email = limited_field(forms.EmailField, 254, "The email address", label="Email")
    honeypot = forms.CharField(required=False, label="Leave this field empty")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, auto_id="subscribe-%s", **kwargs)
        self.user = user if user is not None and user.is_authenticated and user.email else None
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if self.user is not None:
            del self.fields["email"]  # the account's address, already confirmed

    def clean_honeypot(self):
        if self.cleaned_data["honeypot"]:
            raise forms.ValidationError("Leave this field empty.")
        return ""

    def address(self):
        if self.user is not None:
            return self.user.email.strip().lower()
        return self.cleaned_data["email"].strip().lower()


class SubscribeView(View):
    """The small form under the comment form: a guest gets a link, a signed-in reader is in."""

    template_name = "comments/subscription.html"

    def post(self, request):
        pk = parse_id(request.POST.get("digest"))  # None: 404
        digest = get_object_or_404(Digest.objects.published(), pk=pk)
        form = SubscribeForm(request.POST, user=request.user)
        if not moderation.comments_open(digest):
            message = "Comments on this digest are closed: there will be no new ones to send."
            return self.show(request, digest, form, message, 403)
        if not form.is_valid():
            return self.show(request, digest, form, "Please correct the marked field.", 400)
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
                f"Almost done: we will send a link to {email} in a moment. "
                "Open it to start getting new comments.",
                extra_tags=AT_FORM,
            )
        else:
            messages.warning(
                request,
                "We have already sent several confirmation mails to this address or from "
                "your network; use the newest one, or try again in an hour.",
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
            return None, None, "This link has expired. Subscribe again to get a new one."
        except signing.BadSignature:
            return None, None, "This link is not valid. Copy the whole address from the mail."
        digest = Digest.objects.published().filter(pk=digest_id).first()
        if digest is None:
            return None, None, "This digest is no longer published."
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
            error = "This link is not valid. Copy the whole address from the mail."
            return None, None, None, error
        # Any digest, published or not: a reader may stop mail about one taken down since.
        return email, digest_id, Digest.objects.filter(pk=digest_id).first(), ""

    def get(self, request, token):
        email, _, digest, error = self.read(token)
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
            return HttpResponse("Unsubscribed.", content_type="text/plain; charset=utf-8")
        context = {"email": email, "digest": digest, "error": "", "done": True}
        return render(request, self.template_name, context)


def _say_subscribed(request, email, extra_tags=""):
    messages.success(
        request,
        f"Subscribed: every new comment on this digest will be mailed to {email}.",
        extra_tags=extra_tags,
    )
