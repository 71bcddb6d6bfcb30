"""Comparing two saved versions of a digest, item by item (django-reversion's data).

Each version holds the digest, its items and their links as they were saved. Items are
matched by their id; text is compared word by word (difflib) and shown with <del>/<ins>.
"""

import difflib
import re

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from reversion.models import Version

from ..models import Digest, MediaItem, RelatedLink

DIGEST_FIELDS = (
    "title", "slug", "intro", "summary", "status", "published_at", "author_id",
    "allow_comments", "allow_likes", "categories", "tags", "cover_image", "cover_alt",
)  # fmt: skip
ITEM_FIELDS = (
    "position", "kind", "title", "source", "description", "url", "image", "alt_text",
    "decorative", "caption", "credit", "links_heading",
)  # fmt: skip
_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old, new):
    """HTML of `new` with what changed from `old`: removed words in <del>, added in <ins>."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return format_html_join("", "{}", ((part,) for part in parts))


def _named(fields):
    """Authors, categories and tags by name rather than by id."""
    from django.contrib.auth import get_user_model

    from ..models import Category, Tag

    named = dict(fields)
    if named.get("author_id"):
        user = get_user_model().objects.filter(pk=named["author_id"]).first()
        named["author_id"] = user.get_username() if user else named["author_id"]
    for name, model in (("categories", Category), ("tags", Tag)):
        ids = [int(pk) for pk in named.get(name) or []]
        names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
        named[name] = sorted(names.get(pk, str(pk)) for pk in ids)
    return named


def _shown(value):
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None or value == "":
        return "—"
    return str(value)


def snapshot(version):
    """(digest fields, {item id: fields with "links"}) of the revision a version belongs to."""
    digest, items, links = {}, {}, {}
    for each in version.revision.version_set.all():
        model = each.content_type.model_class()
        if model is Digest and each.object_id == version.object_id:
            digest = each.field_dict
        elif model is MediaItem:
            items[int(each.object_id)] = each.field_dict
        elif model is RelatedLink:
            fields = each.field_dict
            links.setdefault(fields["item_id"], []).append(fields)
    digest_id = int(version.object_id)
    items = {pk: fields for pk, fields in items.items() if fields.get("digest_id") == digest_id}
    for pk, fields in items.items():
        ordered = sorted(links.get(pk, []), key=lambda link: (link["position"], link["id"]))
        fields["links"] = "\n".join(f"{link['title']} | {link['url']}" for link in ordered)
    return digest, items


def _rows(names, old, new, labels):
    rows = []
    for name in names:
        before, after = _shown(old.get(name)), _shown(new.get(name))
        rows.append(
            {
                "label": labels.get(name, name.replace("_", " ")),
                "changed": before != after,
                "old": before,
                "diff": word_diff(before, after) if before != after else after,
            }
        )
    return rows


def compare(old_version, new_version):
    """The digest's rows and each item's (added, removed, changed or the same)."""
    labels = {
        f.name: str(f.verbose_name) for f in Digest._meta.get_fields() if hasattr(f, "verbose_name")
    }
    item_labels = {
        f.name: str(f.verbose_name)
        for f in MediaItem._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    item_labels["links"] = gettext("related links")
    old_digest, old_items = snapshot(old_version)
    new_digest, new_items = snapshot(new_version)
    items = []
    order = sorted(
        set(old_items) | set(new_items),
        key=lambda pk: ((new_items.get(pk) or old_items[pk])["position"], pk),
    )
    for pk in order:
        old, new = old_items.get(pk, {}), new_items.get(pk, {})
        state = "added" if not old else "removed" if not new else "same"
        rows = _rows((*ITEM_FIELDS, "links"), old, new, item_labels)
        if state == "same" and any(row["changed"] for row in rows):
            state = "changed"
        title = (new or old).get("title", "")
        items.append({"title": title, "state": state, "rows": rows})
    labels["author_id"] = labels["author"]
    digest_rows = _rows(DIGEST_FIELDS, _named(old_digest), _named(new_digest), labels)
    return {"digest_rows": digest_rows, "items": items}


def compare_view(model_admin):
    def view(request, object_id):
        digest = get_object_or_404(Digest, pk=object_id)
        if not model_admin.has_view_or_change_permission(request, digest):
            raise PermissionDenied
        versions = Version.objects.get_for_object(digest).select_related("revision__user")
        try:
            chosen = sorted(
                (get_object_or_404(versions, pk=request.GET[key]) for key in ("a", "b")),
                key=lambda version: version.revision.date_created,
            )
        except (KeyError, ValueError) as error:
            raise Http404(gettext("Choose two versions to compare.")) from error
        old, new = chosen
        opts = Digest._meta
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "original": digest,
            "title": gettext("Compare versions of “%s”") % digest.title,
            "old": old,
            "new": new,
            "restore_url": reverse("admin:blog_digest_revision", args=[quote(digest.pk), old.pk]),
            **compare(old, new),
        }
        return TemplateResponse(request, "admin/blog/digest/compare.html", context)

    return view
