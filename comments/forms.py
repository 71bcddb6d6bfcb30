"""The comment form (guests give name, email and website; signed-in readers give none), the
author's edit form and the subscription form."""

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_comments_xtd.forms import XtdCommentForm

from blog.text import limited_field, parse_id

from . import profiles, websites
from .models import DigestComment
from .services import build_comment

REPLY_GONE = gettext_noop("The comment you replied to can't be found. Use its Reply link again.")


class DigestCommentForm(XtdCommentForm):
    """xtd's form for its security fields (content type, object id, timestamp, signed hash,
    honeypot) and reply_to; the fields readers see are ours."""

    notify_replies = forms.BooleanField(
        required=False, label=_("Email me when someone replies to my comment")
    )
    notify_all = forms.BooleanField(
        required=False, label=_("Email me about every new comment on this digest")
    )
    remember = forms.BooleanField(
        required=False,
        label=_("Save my name, email and website in this browser for the next time I comment"),
    )

    def __init__(self, target_object, *args, user=None, **kwargs):
        super().__init__(target_object, *args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        del self.fields["followup"]
        fields = self.fields
        fields["name"] = limited_field(
            forms.CharField, settings.COMMENTS_NAME_MAX_LENGTH, _("Your name"),
            error_messages={"invisible": _("Give a name we can show: yours has only "
                                           "invisible characters.")},
        )  # fmt: skip
        fields["email"] = limited_field(
            forms.EmailField, 254, _("The email address"),
            help_text=_("Never shown. We send you a link to confirm it."),
        )  # fmt: skip
        fields["url"] = limited_field(
            forms.URLField, 200, _("The website address"), required=False, assume_scheme="https",
            validators=[URLValidator(schemes=["http", "https"])],
        )  # fmt: skip
        fields["url"].error_messages["invalid"] = _(
            "Give a web address starting with http:// or https://."
        )
        fields["comment"] = limited_field(
            forms.CharField, settings.COMMENTS_BODY_MAX_LENGTH, _("A comment"),
            widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
            error_messages={"invisible": _("Write something before sending: your comment has "
                                           "only invisible characters.")},
        )  # fmt: skip
        # Parsed with the one rule for ids (blog.text.parse_id), not int(): 30 digits are
        # a clear refusal, not an overflow in the database driver.
        fields["reply_to"] = forms.CharField(
            required=False, initial=0, widget=forms.HiddenInput, strip=True
        )
        fields["name"].label, fields["email"].label = _("Name"), _("Email")
        fields["url"].label, fields["comment"].label = _("Website (optional)"), _("Comment")
        fields["name"].widget.attrs.update(autocomplete="name", dir="auto")
        fields["email"].widget.attrs["autocomplete"] = "email"
        fields["url"].widget.attrs["autocomplete"] = "url"
        fields["honeypot"].label = _("Leave this field empty")
        if self.user is not None:
            # Signed in: the identity comes from the account.
            for name in ("name", "email", "url", "remember"):
                del fields[name]
        self.order_fields(
            ["comment", "name", "email", "url", "notify_replies", "notify_all", "remember"]
        )

    def clean_reply_to(self):
        value = self.cleaned_data["reply_to"]
        if value in {"", "0"}:
            return 0
        if (pk := parse_id(value)) is None:
            raise forms.ValidationError(gettext(REPLY_GONE))
        return pk

    def clean_url(self):
        url = self.cleaned_data["url"]
        if websites.has_credentials(url):
            raise forms.ValidationError(gettext(websites.CREDENTIALS_MESSAGE))
        return url

    def clean_comment(self):
        text = super().clean_comment().strip()
        if not text:
            raise forms.ValidationError(_("Write something before sending."))
        return text

    def get_comment_model(self):
        return DigestComment

    def build_comment(self, request):
        """An unsaved DigestComment from the cleaned form and the request."""
        data = self.cleaned_data
        if self.user is not None:
            name = self.user.get_full_name() or self.user.get_username()
            email, url = self.user.email, profiles.profile_url(self.user)
        else:
            name, email, url = data["name"], data["email"], data.get("url", "")
        if data.get("notify_all"):
            notify = DigestComment.Notify.ALL
        elif data.get("notify_replies"):
            notify = DigestComment.Notify.REPLIES
        else:
            notify = DigestComment.Notify.NONE
        return build_comment(
            self.target_object,
            user=self.user,
            user_name=name,
            user_email=email.strip().lower(),
            user_url=url,
            comment=data["comment"],
            ip_address=request.META.get("REMOTE_ADDR"),
            notify=notify,
            followup=notify != DigestComment.Notify.NONE,
        )


class EditCommentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = limited_field(
            forms.CharField, settings.COMMENTS_BODY_MAX_LENGTH, _("A comment"),
            label=_("Comment"), widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        )  # fmt: skip
        field.error_messages["required"] = field.error_messages["invisible"] = _(
            "Write something before saving. To remove the comment, delete it instead."
        )
        self.fields["comment"] = field


class SubscribeForm(forms.Form):
    email = limited_field(forms.EmailField, 254, _("The email address"), label=_("Email"))
    honeypot = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, auto_id="subscribe-%s", **kwargs)
        self.user = user if user is not None and user.is_authenticated and user.email else None
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if self.user is not None:
            del self.fields["email"]  # the account's address, already confirmed

    def clean_honeypot(self):
        if self.cleaned_data["honeypot"]:
            raise forms.ValidationError(_("Leave this field empty."))
        return ""

    def address(self):
        if self.user is not None:
            return self.user.email.strip().lower()
        return self.cleaned_data["email"].strip().lower()
