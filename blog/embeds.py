"""Recognise video URLs and build privacy-first embeds, with no network at request time."""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

YOUTUBE_HOSTS = {
    "youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com",
    "youtube-nocookie.com", "www.youtube-nocookie.com",
}  # fmt: skip
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")
TIME_PART = re.compile(r"(\d+)([hms])")


@dataclass(frozen=True)
class Video:
    provider: str  # "youtube" or "vimeo"
    video_id: str
    start: int = 0  # seconds
    unlisted_hash: str = ""  # Vimeo's private-link key: vimeo.com/ID/HASH

    @property
    def provider_name(self):
        return {"youtube": "YouTube", "vimeo": "Vimeo"}[self.provider]

    @property
    def embed_url(self):
        """The player address, loaded only after the reader clicks the facade."""
        if self.provider == "youtube":
            params = {"autoplay": 1, "rel": 0}
            if self.start:
                params["start"] = self.start
            return f"https://www.youtube-nocookie.com/embed/{self.video_id}?{urlencode(params)}"
        key = f"h={self.unlisted_hash}&" if self.unlisted_hash else ""
        url = f"https://player.vimeo.com/video/{self.video_id}?{key}autoplay=1&dnt=1"
        if self.start:
            url += f"#t={self.start}s"
        return url

    @property
    def watch_url(self):
        """Where the plain link (no JavaScript) goes."""
        if self.provider == "youtube":
            suffix = f"&t={self.start}s" if self.start else ""
            return f"https://www.youtube.com/watch?v={self.video_id}{suffix}"
        key = f"/{self.unlisted_hash}" if self.unlisted_hash else ""
        suffix = f"#t={self.start}s" if self.start else ""
        return f"https://vimeo.com/{self.video_id}{key}{suffix}"


def parse_start(value):
    """Seconds from YouTube/Vimeo time values: '90', '90s', '1m30s', '1h2m3s'."""
    if not value:
        return 0
    value = value.strip().lower()
    if value.isdigit():
        return int(value)
    parts = TIME_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return 0
    scale = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * scale[u] for n, u in parts)


def parse_video(url):
    """Return a Video for a YouTube or Vimeo address, or None for anything else."""
    if not url:
        return None
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    if parsed.scheme not in {"http", "https"}:
        return None
    host = (parsed.hostname or "").lower()
    query = parse_qs(parsed.query)
    fragment = parse_qs(parsed.fragment)
    start = parse_start((query.get("t") or query.get("start") or fragment.get("t") or [""])[0])
    segments = [s for s in parsed.path.split("/") if s]

    video_id = None
    if host == "youtu.be" and segments:
        video_id = segments[0]
    elif host in YOUTUBE_HOSTS:
        if segments == ["watch"]:
            video_id = (query.get("v") or [""])[0]
        elif len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v", "e"}:
            video_id = segments[1]
    if video_id is not None:
        return Video("youtube", video_id, start) if YOUTUBE_ID.match(video_id) else None

    if host in VIMEO_HOSTS:
        if host == "player.vimeo.com":
            segments = segments[1:] if segments[:1] == ["video"] else []
        numeric = [i for i, s in enumerate(segments) if s.isdigit()]
        if numeric:
            # vimeo.com/ID, vimeo.com/channels/x/ID, player.vimeo.com/video/ID,
            # and unlisted videos: vimeo.com/ID/HASH or player.vimeo.com/video/ID?h=HASH
            index = numeric[0]
            after = segments[index + 1 : index + 2]
            key = after[0] if after and VIMEO_HASH.match(after[0]) else (query.get("h") or [""])[0]
            key = key if VIMEO_HASH.match(key) else ""
            return Video("vimeo", segments[index], start, key)
    return None
