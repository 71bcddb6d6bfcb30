"""Liking a digest and taking it back: a POST form (comes back to the page), or JSON."""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import View

from blog.back import page_posted_from
from blog.models import Digest
from blog.text import parse_id
from mailer.limits import client_ip, hit

from . import readers, summary
from .models import Like

PLACE = "likes"  # where the box shows its messages (blog's placed_messages)


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def liked(digest, request):
    """Whether this reader likes the digest (False for a guest without a cookie)."""
    reader = readers.who(request)
    return reader is not None and Like.objects.filter(digest=digest, **reader).exists()


def box_context(digest, request, is_liked, shared):
    return {
        "digest": digest,
        "request": request,
        "count": shared["count"],
        "label": summary.label(shared["count"]),
        "faces": shared["faces"],
        "liked": is_liked,
        "next": request.get_full_path(),
    }


def state(digest, request, is_liked):
    """The box as JSON: its HTML (our template, escaped) and the numbers."""
    context = box_context(digest, request, is_liked, summary.summary(digest.pk))
    # Back to the digest without JavaScript; no message to show (and none used up).
    context.update(next=digest.get_absolute_url(), messages=())
    if settings.CSRF_COOKIE_NAME not in request.COOKIES:
        # No token minted here: a reader of a shared page gets their cookie from
        # /csrf-token/ alone (static/blog/site.js). Two answers racing to set one would
        # leave a form sent with a token that no longer matches the cookie.
        context["csrf_token"] = ""
    html = render_to_string("likes/_box.html", context, request=request)
    response = JsonResponse({"count": context["count"], "liked": is_liked, "html": html})
    response["Cache-Control"] = "private, no-cache"  # it says whether *you* like it
    return response


class LikeView(View):
    """GET: the box for this reader (JSON). POST: like, or take the like back."""

    def digest(self, pk):
        digest = get_object_or_404(Digest.objects.published(), pk=parse_id(pk))
        if not summary.enabled(digest):
            raise Http404("Likes are off for this digest.")
        return digest

    def get(self, request, pk):
        digest = self.digest(pk)
        return state(digest, request, liked(digest, request))

    def post(self, request, pk):
        digest = self.digest(pk)
        limit, window = settings.LIKES_RATE_LIMIT
        if hit(f"likes:ip:{client_ip(request)}", window) > limit:
            return self.answer(
                request, digest, None, _("Too many likes from your network: at most %(limit)s "
                "every %(minutes)s minutes. Try again later.")
                % {"limit": limit, "minutes": window // 60}, status=429,
            )  # fmt: skip
        now_liked = toggle(digest, readers.who(request) or readers.new_guest(request))
        text = _("You like this digest.") if now_liked else _("Your like is taken back.")
        return readers.set_cookie(request, self.answer(request, digest, now_liked, text))

    def answer(self, request, digest, now_liked, text, status=200):
        if wants_json(request):
            is_liked = liked(digest, request) if now_liked is None else now_liked
            response = state(digest, request, is_liked)
            response.status_code = status
            return response
        level = messages.SUCCESS if status == 200 else messages.WARNING
        messages.add_message(request, level, text, extra_tags=f"placed {PLACE}")
        return redirect(f"{page_posted_from(request, digest.get_absolute_url())}#likes")


def toggle(digest, reader):
    """Like, or take a like back; returns whether the reader likes the digest now."""
    with transaction.atomic():
        deleted, _counts = Like.objects.filter(digest=digest, **reader).delete()
        if not deleted:
            try:
                with transaction.atomic():
                    Like.objects.create(digest=digest, **reader)
            except IntegrityError:
                pass  # the same reader's other click, at the same moment: one like
    return not deleted
