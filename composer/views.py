"""The editor's side of composing: describe a pasted link, save a link, the web app manifest."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_GET, require_POST

from blog.pending import read_pending_token, stash_upload

from .forms import LinkForm, first_address
from .inbox import save_link
from .unfurl import UnfurlError, fetch_poster, unfurl


def editor_may(*permissions):
    """Staff (else to the admin's log-in) holding one of the permissions (else 403)."""

    def decorate(view):
        @staff_member_required
        def checked(request, *args, **kwargs):
            if not any(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorate


may_write_digests = editor_may("blog.add_digest", "blog.change_digest")


@require_POST
@may_write_digests
def describe(request):
    """JSON for the change form's paste handler: what the link says about itself.

    The poster, checked like an upload, is kept as a pending upload (blog.pending): the
    item's form takes it through its signed hidden field, as after a failed save.
    """
    form = LinkForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "error": " ".join(form.errors["url"])}, status=400)
    try:
        preview = unfurl(form.cleaned_data["url"])
    except UnfurlError as exc:
        message = _("Nothing was filled in: %(reason)s. You can fill in the item by hand.")
        return JsonResponse({"ok": False, "error": message % {"reason": exc}}, status=422)
    answer = {"ok": True, **preview.as_dict(), "poster": None, "warning": ""}
    if preview.poster_url:
        try:
            token = stash_upload(fetch_poster(preview))
        except UnfurlError as exc:
            answer["warning"] = _("No image was taken: %(reason)s.") % {"reason": exc}
        else:
            answer["poster"] = {
                "token": token,
                "name": read_pending_token(token)["name"],
                "preview": f"{reverse('composer:poster')}?token={token}",
            }
    return JsonResponse(answer)


@require_GET
@may_write_digests
def poster(request):
    """A fetched poster not yet saved with its item, for the change form to show."""
    pending = read_pending_token(request.GET.get("token", ""))
    if pending is None or not default_storage.exists(pending["path"]):
        raise Http404
    return FileResponse(default_storage.open(pending["path"], "rb"), filename=pending["name"])


@xframe_options_deny
@editor_may("composer.add_savedlink")
def save(request):
    """The bookmarklet's window, the share target and the admin's form: GET asks, POST saves.

    A GET never saves (a page cannot make an editor's browser save a link); the POST
    carries the CSRF token, and no other site may frame this page.
    """
    if request.method == "POST":
        form = LinkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            link = save_link(data["url"], request.user, data["title"], hint=data["hint"])
            return render(request, "composer/saved.html", {"link": link, **_chrome()})
    else:
        data = request.GET
        url = data.get("url") or first_address(data.get("text")) or ""
        hint = data.get("title", "")[:300]
        form = LinkForm(initial={"url": url, "hint": hint})
        form.fields["title"].widget.attrs["placeholder"] = hint
    return render(request, "composer/save.html", {"form": form, **_chrome()})


def _chrome():
    return {"is_popup": True, "title": _("Add to next digest"), "site_header": settings.BLOG_TITLE}


@require_GET
def manifest(request):
    """The web app manifest: the admin installs as an app that receives shared links."""
    data = {
        "name": f"{settings.BLOG_TITLE} — {_('editor')}",
        "short_name": settings.BLOG_TITLE,
        "id": reverse("admin:index"),
        "start_url": reverse("admin:composer_savedlink_changelist"),
        "scope": "/",
        "display": "standalone",
        "icons": [
            {"src": static("blog/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            *(
                {
                    "src": static(f"composer/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in (192, 512)
            ),
        ],
        "share_target": {
            "action": reverse("composer:save"),
            "method": "GET",
            "params": {"title": "title", "text": "text", "url": "url"},
        },
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
