from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from blog.models import Digest
from blog.text import limited_field

from .models import SavedLink

URL_LENGTH = SavedLink._meta.get_field("url").max_length


def first_address(text):
    """The first http(s) address among the words of a shared text (phones put it there)."""
    check = URLValidator(schemes=["http", "https"])
    for word in (text or "").split():
        try:
            check(word)
        except ValidationError:
            continue
        return word
    return ""


class LinkForm(forms.Form):
    """One address: pasted into an item, saved by the bookmarklet, the form or a share."""

    url = forms.URLField(
        label=_("Address"), max_length=URL_LENGTH, assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField"}),
        error_messages={"invalid": _("Give a web address, starting with https:// or http://.")},
    )  # fmt: skip
    title = limited_field(
        forms.CharField, 300, _("The title"), label=_("Title"), required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("Leave it empty to take the page's own."),
    )  # fmt: skip
    # The title the page or the phone gave: used only if the page can't be fetched.
    hint = limited_field(forms.CharField, 300, _("The page title"), required=False,
                         widget=forms.HiddenInput)  # fmt: skip

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url.split(":", 1)[0].lower() not in {"http", "https"}:
            raise ValidationError(_("Only http and https addresses can be saved."))
        return url


class DigestChoiceForm(forms.Form):
    digest = forms.ModelChoiceField(
        label=_("Add them to"),
        queryset=Digest.objects.filter(status=Digest.Status.DRAFT).order_by("-updated_at"),
        empty_label=None,
    )
