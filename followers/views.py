"""The follow form's target, the /follow/ page, the confirmation page and unsubscribing."""

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from blog.back import page_posted_from
from blog.text import limited_field
from mailer.limits import client_ip

from . import following
from .addresses import normal, problem_with
from .models import Follower

# Where a follow form may stand; its messages are shown next to it (message tag).
PLACES = ("sidebar", "digest", "page")


def place(where):
    """The name the form at `where` shows its messages under (blog's placed_messages)."""
    return f"follow-{where}"


def place_tag(where):
    return f"placed {place(where)}"


class FollowForm(forms.Form):
    email = limited_field(forms.CharField, 254, _("An email address"), label=_("Your email"))
    honeypot = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_email(self):
        problem = problem_with(self.data.get("email", ""))
        if problem:
            raise forms.ValidationError(problem)
        return normal(self.cleaned_data["email"])

    def clean_honeypot(self):
        if self.cleaned_data["honeypot"]:
            raise forms.ValidationError(_("Leave this field empty."))
        return ""


# The follow form changes nothing of the visitor's own (anyone may send it for any address;
# the button behind the mailed link is what counts), so it needs no CSRF token, and the
# pages it stands on stay the same for every reader: the page cache keeps them whole.
@method_decorator(csrf_exempt, name="dispatch")
class FollowView(View):
    """GET: the page with the form. POST (from any follow form): a link is mailed."""

    template_name = "followers/follow.html"

    def get(self, request):
        return render(request, self.template_name, {"form": FollowForm()})

    def post(self, request):
        where = request.POST.get("where")
        where = where if where in PLACES else "page"
        if account_address(request):
            # The signed-in reader's own account follows: that one is CSRF-checked.
            refused = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
            if refused is not None:
                return refused
            outcome = following.follow_confirmed(account_address(request))
        else:
            form = FollowForm(request.POST)
            if not form.is_valid():
                # The page, with what they typed and why it can't be used.
                return render(request, self.template_name, {"form": form}, status=400)
            outcome = following.ask(form.cleaned_data["email"], client_ip(request))
        level = messages.WARNING if outcome == following.Outcome.LIMITED else messages.SUCCESS
        messages.add_message(request, level, outcome, extra_tags=place_tag(where))
        return redirect(f"{page_posted_from(request, reverse('followers:follow'))}#follow-{where}")


def account_address(request):
    """A signed-in reader's address (a provider's verified one, or an editor's), or ""."""
    user = request.user
    email = user.email if user.is_authenticated else ""
    return normal(email) if email and not problem_with(email) else ""


class ConfirmView(View):
    """The link in the confirmation mail: GET shows a button, POST confirms."""

    template_name = "followers/confirm.html"

    def read(self, token):
        try:
            return following.read_token(token), ""
        except signing.SignatureExpired:
            return None, _("This link has expired. Follow again to get a new one.")
        except signing.BadSignature:
            return None, _("This link is not valid (any more). Follow again to get a new one.")

    def get(self, request, token):
        follower, error = self.read(token)
        context = {"error": error, "already": follower and follower.state == "confirmed"}
        return render(request, self.template_name, context, status=400 if error else 200)

    def post(self, request, token):
        follower, error = self.read(token)
        if error:
            return render(request, self.template_name, {"error": error}, status=400)
        newly = following.confirm(follower)
        return render(request, self.template_name, {"done": True, "already": not newly})


# Mail clients send the RFC 8058 one-click POST without cookies or a CSRF token; the
# unguessable token in the address is what authorises it (and the link in the mail).
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """The mail's unsubscribe link: one click (GET) stops the mail; so does the POST of
    mail clients' own button (RFC 8058)."""

    template_name = "followers/unsubscribe.html"

    def get(self, request, token):
        follower = Follower.objects.filter(token=token).first()
        if follower is None:
            return self.unknown(request)
        if follower.state != Follower.State.UNSUBSCRIBED:
            following.unsubscribe(follower)
        return render(request, self.template_name, {"done": True})

    def post(self, request, token):
        follower = Follower.objects.filter(token=token).first()
        if follower is None:
            return HttpResponse(_("Unknown link."), status=400, content_type="text/plain")
        if follower.state != Follower.State.UNSUBSCRIBED:
            following.unsubscribe(follower)
        return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")

    def unknown(self, request):
        error = _("This link is not valid. Copy the whole address from the mail.")
        return render(request, self.template_name, {"error": error}, status=400)
