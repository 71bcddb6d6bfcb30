"""Work that calls out: fetching a video's poster from its provider.

Readers never trigger this: the poster is fetched once, when an editor saves a
video item without an image (or by `manage.py fetch_video_posters`), checked and
cleaned like any upload, and then served by the site itself, so the facade makes
no third-party request.
"""

import json
import logging
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from . import fetch, images

logger = logging.getLogger(__name__)


class PosterError(Exception):
    """Why a poster could not be fetched, in words for the editor."""


def _get(url, accept):
    """The body at url, through the guarded fetcher; PosterError if it cannot be had."""
    try:
        answer = fetch.get(url, max_bytes=settings.BLOG_MAX_UPLOAD_BYTES, accept=accept)
        return answer.raise_for_status().body
    except fetch.FetchError as exc:
        raise PosterError(str(exc)) from exc


def _candidate_urls(video):
    sources = settings.BLOG_VIDEO_POSTER_SOURCES
    if video.provider == "youtube":
        # The large frame exists only for HD videos; the smaller one always does.
        return [template.format(id=video.video_id) for template in sources["youtube"]]
    oembed = sources["vimeo"].format(url=quote(video.watch_url, safe=""))
    try:
        answer = json.loads(_get(oembed, "application/json"))
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
            data = _get(url, "image/*")
        except PosterError as exc:
            problems.append(str(exc))
            continue
        name = f"{video.provider}-{video.video_id}{images.extension_of(data)}"
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
    # Both YouTube frames live on one host: a refusal of it is said once.
    raise PosterError("; ".join(dict.fromkeys(problems)) or "no poster address")


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
