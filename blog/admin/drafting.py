"""Never lose work: autosave, the live preview, and a new digest from another one.

Both endpoints are admin views (staff only, CSRF-checked) that answer POSTs of the digest's
own form. Autosave stores what was posted (blog.drafts) and never the digest; the preview
renders the reader's template from the posted form inside a transaction that is always
rolled back, so nothing of it is ever stored, cached or visible to readers.
"""

import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from django.utils.translation import gettext

from .. import drafts, fragments, library
from ..forms import parse_related_links
from ..models import Digest, RelatedLink

_ITEM_IMAGE = re.compile(r"^(media_items-\d+)-image$")
_NUMBER = re.compile(r"(#|\bNo\.?\s*|\b)(\d{1,3})\b(?!.*\b\d{1,3}\b)")


def person(user):
    """How the author select names an editor."""
    return user.get_full_name() or user.get_username()


def _digest_or_none(model_admin, request, object_id):
    digest = get_object_or_404(Digest, pk=object_id) if object_id else None
    allowed = (
        model_admin.has_change_permission(request, digest)
        if digest
        else model_admin.has_add_permission(request)
    )
    if not allowed:
        raise PermissionDenied
    return digest


def autosave_view(model_admin):
    def view(request, object_id=None):
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        digest = _digest_or_none(model_admin, request, object_id)
        if request.POST.get("_discard"):
            drafts.discard(request.user, digest)
            return JsonResponse({"discarded": True})
        pairs, images, errors = drafts.form_pairs(request.POST), {}, {}
        for name, upload in request.FILES.items():
            match = _ITEM_IMAGE.match(name)
            if not match:
                continue  # only items' images go to the library (the cover is kept on save)
            try:
                stored = library.store(upload, request.user)
            except ValidationError as error:
                errors[name] = " ".join(error.messages)
                continue
            images[name] = {"id": stored.pk, "name": str(stored)}
            pairs = [p for p in pairs if p[0] != f"{match[1]}-library_image"]
            pairs.append([f"{match[1]}-library_image", str(stored.pk)])
        autosave = drafts.keep(request.user, digest, pairs)
        when = formats.time_format(timezone.localtime(autosave.saved_at), "H:i:s")
        response = JsonResponse(
            {
                "saved_at": when,
                "images": images,
                "errors": errors,
                "status": gettext("Autosaved at %s.") % when,
            }
        )
        add_never_cache_headers(response)
        return response

    return view


def preview_view(model_admin):
    """The digest as readers would see it, from the form as it is now (not saved)."""

    def view(request):
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        digest = _digest_or_none(model_admin, request, request.POST.get("_digest_id") or None)
        # Rolled back, and no cache keeps any part of it (blog.fragments).
        with transaction.atomic(), fragments.uncached():
            digest = _build(model_admin, request, digest)
            response = TemplateResponse(
                request, "blog/digest_detail.html",
                {"digest": digest, "object": digest, "preview": True, "live_preview": True},
            )  # fmt: skip
            response.render()
            transaction.set_rollback(True)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex"
        return response

    return view


def _build(model_admin, request, digest):
    """Store the posted digest and items as a draft (the caller rolls it all back)."""
    form = model_admin.get_form(request, digest, change=digest is not None)(
        request.POST, instance=digest or Digest()
    )
    form.is_valid()  # the instance takes every field that is valid
    draft = form.instance
    draft.status = Digest.Status.DRAFT
    draft.slug = f"preview-{uuid.uuid4().hex}"
    draft.title = draft.title or gettext("(no title yet)")
    draft.save()
    for name in ("categories", "tags"):
        if name in form.cleaned_data:
            getattr(draft, name).set(form.cleaned_data[name])
    formsets, _ = model_admin._create_formsets(request, draft, change=True)
    for formset in formsets:
        for item_form in formset.forms:
            item_form.is_valid()
            item = item_form.instance
            if item_form.cleaned_data.get("DELETE") or not (item.pk or item_form.has_changed()):
                if item.pk:
                    item.delete()
                continue
            item.digest = draft
            item.title = item.title or gettext("(no title yet)")
            item.save()
            try:
                links = parse_related_links(
                    item_form.data.get(item_form.add_prefix("related_links"), "")
                )
            except ValidationError:
                continue
            item.links.all().delete()
            RelatedLink.objects.bulk_create(
                RelatedLink(item=item, position=n, title=title, url=url)
                for n, (title, url) in enumerate(links)
            )
    return Digest.objects.select_related("author").get(pk=draft.pk)


def copied_fields(request):
    """Initial data of "New digest from this one" (add/?from=ID): the title's pattern, the
    intro and the categories; never the items."""
    source_id = request.GET.get("from", "")
    if not source_id.isdigit():
        return {}
    source = Digest.objects.filter(pk=source_id).first()
    if source is None or not request.user.has_perm("blog.view_digest"):
        return {}
    title = next_title(source.title)
    return {
        "title": title,
        "slug": unique_slug(title),
        "intro": source.intro,
        "categories": list(source.categories.values_list("pk", flat=True)),
    }


def next_title(title):
    """The title for the next digest in a series: its last small number counts up
    ("Digest #12" → "Digest #13"); a title without one stays as it is."""
    return _NUMBER.sub(lambda m: f"{m[1]}{int(m[2]) + 1}", title, count=1)


def unique_slug(title):
    base = slugify(title)[:190] or "digest"
    slug, n = base, 2
    while Digest.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def change_form_context(request, digest):
    """What the change form's script needs: where to autosave and preview, and the
    autosave worth offering (newer than the saved digest)."""
    if digest is not None and digest.pk:
        autosave_url = reverse("admin:blog_digest_autosave", args=[digest.pk])
        copy_url = reverse("admin:blog_digest_add") + f"?from={digest.pk}"
    else:
        autosave_url, copy_url, digest = reverse("admin:blog_digest_autosave_new"), "", None
    offer = drafts.pending(request.user, digest)
    return {
        "autosave_url": autosave_url,
        "live_preview_url": reverse("admin:blog_digest_live_preview"),
        "copy_url": copy_url,
        "autosave_offer": offer,
        "autosave_data": offer.data if offer else None,
    }
