"""Work that calls out: fetching a video's poster from its provider.

Readers never trigger this: the poster is fetched once, when an editor saves a
video item without an image (or by `manage.py fetch_video_posters`), checked and
cleaned like any upload, and then served by the site itself, so the facade makes
no third-party request.
"""

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from . import images

logger = logging.getLogger(__name__)

USER_AGENT = "digestblog poster fetcher"


class PosterError(Exception):
    """Why a poster could not be fetched, in words for the editor."""


def _get(url):
    limit = settings.BLOG_MAX_UPLOAD_BYTES
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    timeout = settings.BLOG_VIDEO_POSTER_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise PosterError(f"{url} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PosterError(f"{url} could not be reached ({exc})") from exc
    if len(data) > limit:
        raise PosterError(f"{url} sent more than {limit} bytes")
    return data


def _candidate_urls(video):
    sources = settings.BLOG_VIDEO_POSTER_SOURCES
    if video.provider == "youtube":
        # The large frame exists only for HD videos; the smaller one always does.
        return [template.format(id=video.video_id) for template in sources["youtube"]]
    oembed = sources["vimeo"].format(url=quote(video.watch_url, safe=""))
    try:
        answer = json.loads(_get(oembed))
    except ValueError as exc:
        raise PosterError("Vimeo's description of the video could not be read") from exc
    thumbnail = answer.get("thumbnail_url") if isinstance(answer, dict) else None
    if not isinstance(thumbnail, str) or not thumbnail.startswith(("https://", "http://")):
        raise PosterError("Vimeo gave no poster for this video")
    return [thumbnail]


def fetch_video_poster(item):
    """Store the provider's poster as the item's image; raise PosterError if none can be had."""
    video = item.video
    if video is None:
        raise PosterError("not a YouTube or Vimeo video")
    problems = []
    for url in _candidate_urls(video):
        try:
            data = _get(url)
        except PosterError as exc:
            problems.append(str(exc))
            continue
        name = f"{video.provider}-{video.video_id}{_extension_of(data)}"
        upload = SimpleUploadedFile(name, data)
        try:
            images.inspect_image(upload)
        except ValidationError as exc:
            problems.append(f"{url}: {' '.join(exc.messages)}")
            continue
        item.image = upload
        item.decorative = True  # the play link names the video; the poster adds nothing
        item.save()
        return item.image
    raise PosterError("; ".join(problems) or "no poster address")


def _extension_of(data):
    """The usual extension for the image in data, so the upload checks accept its name."""
    for magic, extension in ((b"\x89PNG", ".png"), (b"RIFF", ".webp"), (b"GIF8", ".gif")):
        if data.startswith(magic):
            return extension
    return ".jpg"


def fetch_missing_posters(items):
    """Fetch posters for video items that have no image; return (fetched, failures)."""
    fetched, failures = 0, []
    for item in items:
        if item.video is None or item.image:
            continue
        try:
            fetch_video_poster(item)
        except PosterError as exc:
            logger.warning("No poster for %s: %s", item.url, exc)
            failures.append((item, str(exc)))
        else:
            fetched += 1
    return fetched, failures
