"""Admin forms for media items: related links as text, and uploads kept across a failed save
(see blog/pending.py)."""

import logging
import os
import re

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import images, library
from .models import LibraryImage, MediaItem, RelatedLink
from .pending import discard_stash, read_pending_token, stash_upload

logger = logging.getLogger(__name__)

MARKDOWN_LINK = re.compile(r"^\[(?P<title>.*?)\]\((?P<url>\S+)\)$")
LINK_FORMATS = _("“Title | https://…”, a bare https:// address, or [Title](https://…)")
_title_length = RelatedLink._meta.get_field("title").max_length
_url_length = RelatedLink._meta.get_field("url").max_length


class KeptImageInput(AdminFileWidget):
    """A file input that says which earlier upload will be used if no new file is chosen."""

    kept_name = ""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not self.kept_name:
            return html
        return format_html(
            '{}<p class="kept-upload">{}</p>',
            html,
            format_html(
                _("Kept: <strong>{}</strong> (uploaded earlier; choose a file only to replace it)"),
                self.kept_name,
            ),
        )


# Related links ---------------------------------------------------------------


def parse_related_links(text):
    """[(title, url), ...] from one link a line; raise ValidationError naming each bad line."""
    validate_url = URLValidator(schemes=["http", "https"])
    links, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if match := MARKDOWN_LINK.match(line):
            title, url = match["title"].strip(), match["url"].strip()
        elif "|" in line:
            title, _bar, url = (part.strip() for part in line.rpartition("|"))
        else:
            title, url = "", line
        if not url:
            errors.append(
                _("Line %(number)s: “%(line)s” has no address. Write %(formats)s.")
                % {"number": number, "line": line, "formats": LINK_FORMATS}
            )
            continue
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme and scheme not in {"http", "https"} and "/" not in scheme:
            errors.append(
                _(
                    "Line %(number)s: “%(url)s” is a %(scheme)s: address; only http and https "
                    "links are allowed."
                )
                % {"number": number, "url": url, "scheme": scheme}
            )
            continue
        try:
            validate_url(url)
        except ValidationError:
            errors.append(
                _(
                    "Line %(number)s: “%(line)s” is not a link. Write %(formats)s; "
                    "the address must start with http:// or https://."
                )
                % {"number": number, "line": line, "formats": LINK_FORMATS}
            )
            continue
        if len(url) > _url_length:
            errors.append(
                _("Line %(number)s: the address is longer than %(limit)s characters.")
                % {"number": number, "limit": _url_length}
            )
            continue
        if len(title) > _title_length:
            errors.append(
                _("Line %(number)s: the title is longer than %(limit)s characters.")
                % {"number": number, "limit": _title_length}
            )
            continue
        links.append((title or url, url))
    if errors:
        raise ValidationError(errors)
    return links


def format_related_links(links):
    """The textarea text for saved links: one “Title | URL” a line."""
    return "\n".join(
        link.url if link.title == link.url else f"{link.title} | {link.url}" for link in links
    )


class RelatedLinksField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "cols": 80}))
        super().__init__(**kwargs)

    def to_python(self, value):
        # Browsers post CRLF; compare and store with plain newlines.
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")

    def validate(self, value):
        super().validate(value)
        parse_related_links(value)


# Forms -----------------------------------------------------------------------


ITEM_FIELDS = (
    "kind", "title", "source", "description", "url",
    "image", "alt_text", "decorative", "caption", "credit", "links_heading",
)  # fmt: skip


def _formfield(db_field, **kwargs):
    """Typed addresses without a scheme become https:// (Django 6's default, chosen now)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class PendingImageFormMixin(forms.ModelForm):
    """Keeps a valid image upload across a failed save (see the module docstring)."""

    pending_image = forms.CharField(
        label=_("image uploaded earlier"), required=False, widget=forms.HiddenInput
    )
    library_image = forms.ModelChoiceField(
        LibraryImage.objects.all(),
        required=False,
        label=_("Or pick from the library"),
        help_text=_("An image uploaded before, used again without storing it twice."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._library_sha = None
        image_field = self.fields["image"]
        image_field.widget = KeptImageInput(
            attrs={**image_field.widget.attrs, "accept": images.ACCEPT}
        )
        image_field.widget.is_required = image_field.required
        self._pending = None
        self._opened_stash = None
        if self.is_bound:
            token = self.data.get(self.add_prefix("pending_image")) or ""
            self._pending = read_pending_token(token) if token else None
            if self._pending:
                self.fields["image"].widget.kept_name = self._pending["name"]

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get("pending_image") or ""
        image = cleaned.get("image")
        deleting = bool(cleaned.get("DELETE"))
        picked = cleaned.get("library_image")
        if picked is not None and not isinstance(image, UploadedFile) and not token:
            # A library image: the item names the stored file, nothing is copied.
            cleaned["image"] = picked.file.name
            return cleaned
        if isinstance(image, UploadedFile) and not deleting:
            # A new file passed the image checks: keep a copy in case the save fails elsewhere.
            if self._pending:
                discard_stash(self._pending["path"])
            new_token = stash_upload(image)
            self._pending = read_pending_token(new_token)
            self._set_pending_token(new_token)
            self.fields["image"].widget.kept_name = self._pending["name"]
        elif token and self._pending is None:
            # Expired, or not signed by us: never open a path the browser sent.
            self._set_pending_token("")
            self.add_error("image", _("The image uploaded earlier has expired. Choose it again."))
        elif self._pending and (image is False or deleting):
            # "Clear" ticked or item deleted: the earlier upload is not wanted.
            discard_stash(self._pending["path"])
            self._pending = None
            self._set_pending_token("")
            self.fields["image"].widget.kept_name = ""
        elif self._pending and "image" not in self.errors:
            if not default_storage.exists(self._pending["path"]):
                self._pending = None
                self._set_pending_token("")
                self.fields["image"].widget.kept_name = ""
                self.add_error("image", _("The image uploaded earlier is gone. Choose it again."))
            else:
                self._opened_stash = File(
                    default_storage.open(self._pending["path"], "rb"), name=self._pending["name"]
                )
                cleaned["image"] = self._opened_stash
        return cleaned

    def _update_errors(self, errors):
        # A refused upload already says what is wrong with the file; the model's
        # "an image item needs an image" beside it would only confuse.
        for field in list(getattr(errors, "error_dict", {})):
            if field in self._errors:
                del errors.error_dict[field]
        super()._update_errors(errors)

    def save(self, commit=True):
        image = self.cleaned_data.get("image")
        is_new = isinstance(image, UploadedFile) or (image and image is self._opened_stash)
        if is_new and not self.cleaned_data.get("DELETE"):
            # A new file: the same bytes stored before are used again, not stored twice.
            self._library_sha = library.fingerprint(image)
            self._library_name = os.path.basename(image.name or "image")
            if found := library.find(self._library_sha):
                self.instance.image = found.file.name
                self._library_sha = None
        return super().save(commit)

    def _set_pending_token(self, token):
        """Change the value the hidden field is redisplayed with."""
        self.cleaned_data["pending_image"] = token
        data = self.data.copy()
        data[self.add_prefix("pending_image")] = token
        self.data = data

    def _save_m2m(self):
        super()._save_m2m()
        if self._library_sha and self.instance.image:
            library.remember(self._library_sha, self.instance.image.name, self._library_name)
            self._library_sha = None
        if self._opened_stash is not None:
            self._opened_stash.close()
            self._opened_stash = None
        if self._pending:
            # The image is now stored under the item; the stash has done its job.
            path = self._pending["path"]
            transaction.on_commit(lambda: discard_stash(path))
            self._pending = None


class MediaItemForm(PendingImageFormMixin):
    related_links = RelatedLinksField(
        label=_("Related links"),
        help_text=_(
            "One a line, in order: “Title | https://…”, a bare https:// address, "
            "or [Title](https://…). Saving replaces the item’s links."
        ),
    )

    class Meta:
        model = MediaItem
        fields = ("position", *ITEM_FIELDS)
        formfield_callback = _formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault(
                "related_links", format_related_links(self.instance.links.all())
            )

    def _save_m2m(self):
        super()._save_m2m()
        if self.instance.pk and "related_links" in self.changed_data:
            links = parse_related_links(self.cleaned_data.get("related_links") or "")
            self.instance.links.all().delete()
            RelatedLink.objects.bulk_create(
                RelatedLink(item=self.instance, position=position, title=title, url=url)
                for position, (title, url) in enumerate(links, start=1)
            )


class MediaItemAdminForm(PendingImageFormMixin):
    """The item on its own page, where related links have their own inline."""

    class Meta:
        model = MediaItem
        fields = ("digest", *ITEM_FIELDS)
        formfield_callback = _formfield
