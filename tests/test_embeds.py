import pytest

from blog.embeds import parse_video


@pytest.mark.parametrize(
    ("url", "provider", "video_id", "start"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", 0),
        ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=90", "youtube", "dQw4w9WgXcQ", 90),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s", "youtube", "dQw4w9WgXcQ", 90),
        ("https://youtu.be/dQw4w9WgXcQ?t=1h2m3s", "youtube", "dQw4w9WgXcQ", 3723),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", 0),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ?start=42", "youtube", "dQw4w9WgXcQ", 42),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", 0),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ", 0),
        ("https://vimeo.com/76979871", "vimeo", "76979871", 0),
        ("https://vimeo.com/channels/staffpicks/76979871#t=30s", "vimeo", "76979871", 30),
        ("https://player.vimeo.com/video/76979871", "vimeo", "76979871", 0),
    ],
)
def test_recognised_video_urls(url, provider, video_id, start):
    video = parse_video(url)
    assert (video.provider, video.video_id, video.start) == (provider, video_id, start)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/channel/UC123",
        "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
        "https://vimeo.com/about",
        "https://evil.example/youtu.be/dQw4w9WgXcQ",
        "not a url at all",
    ],
)
def test_other_urls_are_not_videos(url):
    assert parse_video(url) is None


def test_embed_urls_are_privacy_first():
    youtube = parse_video("https://youtu.be/dQw4w9WgXcQ?t=42")
    assert youtube.embed_url.startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?")
    assert "start=42" in youtube.embed_url
    assert youtube.watch_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s"
    vimeo = parse_video("https://vimeo.com/76979871")
    assert vimeo.embed_url.startswith("https://player.vimeo.com/video/76979871?")
    assert "dnt=1" in vimeo.embed_url


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/76979871/0a1b2c3d4e",
        "https://player.vimeo.com/video/76979871?h=0a1b2c3d4e",
    ],
)
def test_unlisted_vimeo_videos_keep_their_key(url):
    video = parse_video(url)
    assert video.embed_url.startswith("https://player.vimeo.com/video/76979871?h=0a1b2c3d4e&")
    assert video.watch_url == "https://vimeo.com/76979871/0a1b2c3d4e"
