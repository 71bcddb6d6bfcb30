"""Files from the old blog's uploads folder, checked and stored like an editor's upload.

An address such as https://example.files.wordpress.com/2017/12/x-300x200.jpg or
/wp-content/uploads/2017/12/x.jpg is looked for under --uploads-dir by the end
of its path ("2017/12/x.jpg", then shorter), never outside that folder. A file
found is refused or accepted by blog.images (format, size, pixels), cleaned of
metadata, and stored once under wordpress/<path>; a second import finds it again
by path and content hash.
"""

import hashlib
import io
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from blog.images import clean_image_bytes, inspect_image

from .models import WordPressFile


class Uploads:
    def __init__(self, folder, summary, *, dry_run=False):
        self.folder = folder  # resolved Path, or None
        self.summary = summary
        self.dry_run = dry_run
        self.files = {}  # relative path -> WordPressFile, or None if refused
        self.stored_names = []  # written during this run, removed again on rollback

    def find(self, reference):
        """(relative path, file) under the folder for an address or a relative path."""
        if self.folder is None or not reference:
            return None
        path = urlparse(reference).path if "://" in reference else reference
        parts = [p for p in unquote(path).split("/") if p]
        if not parts or any(p in {".", ".."} or "\\" in p or "\x00" in p for p in parts):
            return None
        for start in range(len(parts)):
            candidate = self.folder.joinpath(*parts[start:])
            try:
                resolved = candidate.resolve()
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop
                continue
            if resolved.is_relative_to(self.folder) and resolved.is_file():
                return "/".join(parts[start:]), resolved
        return None

    def store(self, reference, what):
        """The WordPressFile for a referenced upload, stored once; None if absent or refused."""
        found = self.find(reference)
        if found is None:
            return None
        relative, path = found
        if relative in self.files:
            return self.files[relative]
        self.files[relative] = None
        size = path.stat().st_size
        if size > settings.BLOG_MAX_UPLOAD_BYTES:
            self.refuse(what, relative, f"it is {size:,} bytes, over BLOG_MAX_UPLOAD_BYTES.")
            return None
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        existing = WordPressFile.objects.filter(path=relative).first()
        if existing and existing.sha256 == sha256 and default_storage.exists(existing.name):
            self.summary.count("files", "unchanged")
            self.files[relative] = existing
            return existing
        try:
            inspect_image(ContentFile(data, name=path.name))
            cleaned = clean_image_bytes(data)
            with Image.open(io.BytesIO(cleaned)) as image:
                width, height = image.size
        except ValidationError as exc:
            self.refuse(what, relative, " ".join(exc.messages))
            return None
        name = f"wordpress/{relative}"
        if not self.dry_run:
            name = default_storage.save(name, ContentFile(cleaned))
            self.stored_names.append(name)
        values = {"sha256": sha256, "name": name, "width": width, "height": height}
        if existing:
            for attribute, value in values.items():
                setattr(existing, attribute, value)
            existing.save()
            self.summary.count("files", "updated")
        else:
            existing = WordPressFile.objects.create(path=relative, **values)
            self.summary.count("files", "created")
        self.files[relative] = existing
        return existing

    def refused(self, *references):
        """Whether one of these was found but refused (and so already reported)."""
        for reference in references:
            found = self.find(reference)
            if found and found[0] in self.files and self.files[found[0]] is None:
                return True
        return False

    def refuse(self, what, relative, why):
        self.summary.count("files", "skipped", "refused")
        self.summary.warn(f"{what}: {relative} refused: {why} Kept as a link to its old address.")

    def remove_stored(self):
        """Delete what this run stored: its transaction was rolled back."""
        for name in self.stored_names:
            default_storage.delete(name)
        self.stored_names = []
