"""The digest list's bulk actions: publish, unpublish, schedule. Each digest is saved on its
own (so the page cache, followers and revisions see it as any save) in one transaction."""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..models import Digest


class ScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label=_("Publish at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the site's time zone. Readers see the digests from then on."),
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise forms.ValidationError(
                gettext("Choose a moment in the future; to publish now, use “Publish”.")
            )
        return when


def _save_each(request, queryset, change, comment):
    """Apply change(digest) -> bool to each digest and save those it changed, one revision
    each; returns how many were saved."""
    saved = 0
    with transaction.atomic():
        # The digests alone, locked (the list's query joins the author and counts items).
        chosen = Digest.objects.filter(pk__in=queryset.values("pk"))
        for digest in chosen.select_for_update().order_by("pk"):
            if not change(digest):
                continue
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(comment)
                digest.save()
                reversion.add_to_revision(digest)
            saved += 1
    return saved


@admin.action(description=_("Publish the selected digests now"), permissions=["change"])
def publish(modeladmin, request, queryset):
    now = timezone.now()

    def change(digest):
        if digest.is_public:
            return False
        digest.status = Digest.Status.PUBLISHED
        if digest.published_at is None or digest.published_at > now:
            digest.published_at = now
        return True

    saved = _save_each(request, queryset, change, gettext("Published from the list."))
    modeladmin.message_user(
        request,
        ngettext("%d digest published.", "%d digests published.", saved) % saved,
        messages.SUCCESS,
    )


@admin.action(
    description=_("Unpublish the selected digests (back to draft)"), permissions=["change"]
)
def unpublish(modeladmin, request, queryset):
    def change(digest):
        if digest.status == Digest.Status.DRAFT:
            return False
        digest.status = Digest.Status.DRAFT
        return True

    saved = _save_each(request, queryset, change, gettext("Unpublished from the list."))
    modeladmin.message_user(
        request,
        ngettext(
            "%d digest is a draft again; readers no longer see it.",
            "%d digests are drafts again; readers no longer see them.",
            saved,
        )
        % saved,
        messages.SUCCESS,
    )


@admin.action(description=_("Schedule the selected digests…"), permissions=["change"])
def schedule(modeladmin, request, queryset):
    form = ScheduleForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        when = form.cleaned_data["when"]

        def change(digest):
            digest.status = Digest.Status.PUBLISHED
            digest.published_at = when
            return True

        comment = gettext("Scheduled from the list.")
        saved = _save_each(request, queryset, change, comment)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d digest scheduled for %(when)s.",
                "%(count)d digests scheduled for %(when)s.",
                saved,
            )
            % {"count": saved, "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Schedule digests"),
        "opts": modeladmin.model._meta,
        "form": form,
        "digests": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/blog/digest/schedule.html", context)
