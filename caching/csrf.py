"""CSRF tokens for pages every anonymous reader shares.

A page from the cache carries its forms' token fields empty (caching.middleware), so
that a shared cache in front may hold it. token() gives the reader's browser one of its
own when they start using a form (static/blog/site.js), setting the CSRF cookie it goes
with. Without JavaScript the form arrives without a token, and failure() — Django's
CSRF_FAILURE_VIEW — answers with the same form, a token in it, to be sent again: the
comment form with everything typed, any other form as one "Send again" button.

That second chance is only for a reader with no session (the only ones who get shared
pages) whose browser says the form was sent from this site (Origin, or Referer without
one), and never for a password or the admin. Everything else — signed in, a session of
one's own, another site — is refused, with a page saying so: every signed-in action keeps
Django's CSRF protection whole.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from comments.views.posting import form_again


@require_GET
@never_cache
def token(request):
    """{"token": …} for this browser, with its CSRF cookie; never stored by any cache."""
    return JsonResponse({"token": get_token(request)})


def failure(request, reason=""):
    if request.method == "POST" and may_send_again(request):
        message = _(
            "Your browser had no security token for this site yet, so nothing was sent. "
            "It has one now: check what you wrote and send it again."
        )
        if request.path == reverse("comments:post"):
            response = form_again(request, message)
            if response is not None:
                return response
        fields = [
            (name, value)
            for name, values in request.POST.lists()
            if name != "csrfmiddlewaretoken"
            for value in values
        ]
        context = {"action": request.get_full_path(), "fields": fields, "message": message}
        return render(request, "caching/send_again.html", context, status=403)
    return render(request, "caching/refused.html", {"reason": reason}, status=403)


def may_send_again(request):
    """A reader's form from one of our pages, not signed in; never a password, never the
    admin (its log-in page is never cached: it always has its token)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return False  # a reader with a session gets pages made for them, tokens included
    if request.path.startswith(reverse("admin:index")):
        return False
    if any("password" in name for name in request.POST):
        return False
    return from_this_site(request)


def from_this_site(request):
    """Whether the browser says the form was on one of our pages."""
    sender = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(sender)
    if not parts.scheme or not parts.netloc:
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin == f"{request.scheme}://{request.get_host()}" or (
        origin in settings.CSRF_TRUSTED_ORIGINS
    )
