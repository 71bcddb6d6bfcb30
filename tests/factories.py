"""Plain functions that build what the tests assert on."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from blog.models import Category, Digest, MediaItem, RelatedLink, Tag
from comments.services import create_comment

_counter = {"n": 0}


def _next():
    _counter["n"] += 1
    return _counter["n"]


def make_editor(username="editor", **extra):
    return get_user_model().objects.create_superuser(
        username=username,
        email=f"{username}@example.com",
        password="correct horse battery",
        **extra,
    )


def make_digest(title=None, *, items=0, published=True, published_at=None, **fields):
    n = _next()
    title = title or f"Digest number {n}"
    fields.setdefault("slug", f"digest-{n}")
    fields.setdefault("intro", "These are the latest articles and videos I found most interesting.")
    if published:
        fields.setdefault("status", Digest.Status.PUBLISHED)
        fields["published_at"] = published_at or timezone.now() - timedelta(hours=n)
    digest = Digest.objects.create(title=title, **fields)
    for i in range(items):
        make_item(digest, position=i, title=f"{title}, item {i + 1}")
    digest.refresh_search_text()
    return digest


def make_item(digest, *, kind=MediaItem.Kind.VIDEO, links=0, **fields):
    fields.setdefault("title", f"Item {_next()}")
    fields.setdefault("source", "World Science Festival")
    fields.setdefault("description", "A paragraph about the item, with **emphasis**.")
    if kind == MediaItem.Kind.VIDEO:
        fields.setdefault("url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    elif kind != MediaItem.Kind.IMAGE:
        fields.setdefault("url", "https://example.com/article")
    item = MediaItem.objects.create(digest=digest, kind=kind, **fields)
    for i in range(links):
        RelatedLink.objects.create(
            item=item, position=i, title=f"Paper {i + 1}", url=f"https://arxiv.org/abs/{i}"
        )
    return item


def make_comment(digest, text="A comment.", *, parent=None, deepest=None, **fields):
    """A comment stored as given (public unless a state is given), placed in its thread.

    The author is "Ada Reader" <ada@example.com> unless named; a name alone gives the
    address of its first word (``user_name="Bob Jones"``: bob@example.com).
    """
    fields.setdefault("user_name", "Ada Reader")
    first_word = fields["user_name"].partition(" ")[0].lower() or "reader"
    fields.setdefault("user_email", f"{first_word}@example.com")
    return create_comment(digest, parent, deepest=deepest, comment=text, **fields)


def make_category(name="Science", **fields):
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    return Category.objects.create(name=name, **fields)


def make_tag(name="physics"):
    return Tag.objects.create(name=name, slug=name.lower().replace(" ", "-"))


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 80, 40), **save_args):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def image_upload(name="photo.jpg", fmt="JPEG", **kwargs):
    content_type = {
        "JPEG": "image/jpeg",
        "PNG": "image/png",
        "GIF": "image/gif",
        "WEBP": "image/webp",
    }
    return SimpleUploadedFile(
        name,
        image_bytes(fmt, **kwargs),
        content_type=content_type.get(fmt, "application/octet-stream"),
    )
