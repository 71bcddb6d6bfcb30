"""Someone's picture from another site (a sign-in provider, a fediverse server), copied
once: fetched through blog.fetch, checked like an upload, stored as a small square PNG made
from the pixels alone. Pages then show our copy, never the other site's."""

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from . import fetch, images


class AvatarError(Exception):
    """The picture could not be fetched or is not an acceptable image."""


def fetch_square_png(url, *, size, max_bytes):
    """The image at url as a size x size PNG (no metadata), or AvatarError."""
    try:
        data = fetch.get(url, max_bytes=max_bytes, accept="image/*").raise_for_status().body
    except fetch.FetchError as exc:
        raise AvatarError(str(exc)) from exc
    upload = SimpleUploadedFile(f"avatar{images.extension_of(data)}", data)
    try:
        images.inspect_image(upload)
    except ValidationError as exc:
        raise AvatarError(f"{url}: {' '.join(exc.messages)}") from exc
    with Image.open(io.BytesIO(data)) as image:
        upright = images.web_pixels(ImageOps.exif_transpose(image))
        square = ImageOps.fit(upright.convert("RGBA"), (size, size))
    out = io.BytesIO()
    square.save(out, "PNG", optimize=True)
    return out.getvalue()
