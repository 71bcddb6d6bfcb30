"""What cleaning an upload costs: the stored file against a plain Pillow re-encode.

Run with ``python tools/image_cleaning.py``. For a few files made here (a photo-like JPEG, a
PNG screenshot, a lossy WebP photo, an animated GIF, an animated lossy WebP), each carrying
EXIF with GPS, it prints the size of what ``blog.images.clean_image_bytes`` stores and of
what re-encoding the pixels with Pillow (``blog.images._reencode``) would store, and how far
each is from the original's pixels, frame by frame. It is the measurement behind keeping the
byte-preserving WebP walker in blog/image_metadata.py (tools/README.md has a run): where the
two columns agree, Pillow alone is enough.
"""

import io
import math
import os
import random
import sys
from pathlib import Path

import django

if not __package__:  # run as `python tools/image_cleaning.py`: the project importable, Django up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from PIL import ExifTags, Image, ImageDraw, ImageFilter, ImageSequence

from blog import image_metadata, images


def _exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N"}
    return exif


def _photo(size=(1200, 800)):
    """Smooth gradients with fine grain, as a camera gives: hard for any codec."""
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    picture = Image.merge("RGB", (sky, sky.transpose(Image.Transpose.FLIP_LEFT_RIGHT), sky))
    draw = ImageDraw.Draw(picture)
    rng = random.Random(0)
    for _ in range(60):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(20, 120)
        fill = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    picture = picture.filter(ImageFilter.GaussianBlur(6))
    grain = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(picture, grain, 0.08)


def _screenshot(size=(1280, 800)):
    """Flat panels, rules and text-like runs: what a screen capture holds."""
    picture = Image.new("RGB", size, (246, 246, 248))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, size[0], 56), fill=(32, 40, 56))
    draw.rectangle((0, 56, 240, size[1]), fill=(228, 230, 236))
    rng = random.Random(1)
    for row in range(90, size[1] - 20, 22):
        x = 270
        while x < size[0] - 60:
            word = rng.randrange(20, 90)
            draw.rectangle((x, row, x + word, row + 10), fill=(40, 40, 40))
            x += word + 8
        draw.text((12, row), "Menu item", fill=(20, 20, 20))
    return picture


def _frames(count=24, size=(320, 240), transparent=False):
    """A ball moving over a still background, in 16 colours: a typical small animation."""
    frames = []
    for index in range(count):
        if transparent:
            frame = Image.new("RGBA", size, (0, 0, 0, 0))
        else:
            frame = Image.new("RGB", size, (250, 240, 220))
            ImageDraw.Draw(frame).rectangle((0, 180, size[0], size[1]), fill=(90, 160, 90))
        x = 20 + index * (size[0] - 80) // count
        ImageDraw.Draw(frame).ellipse((x, 100, x + 40, 140), fill=(220, 40, 40, 255))
        frames.append(frame if transparent else frame.quantize(16).convert("RGB"))
    return frames


def _encode(frames, fmt, **options):
    out = io.BytesIO()
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=80, loop=0)
    frames[0].save(out, format=fmt, exif=_exif(), **options)
    return out.getvalue()


def samples():
    """(name, bytes) of each representative upload."""
    photo, frames = _photo(), _frames()
    return [
        ("photo JPEG q85", _encode([photo], "JPEG", quality=85)),
        ("screenshot PNG", _encode([_screenshot()], "PNG", optimize=True)),
        ("photo WebP lossy q80", _encode([photo], "WEBP", quality=80)),
        ("animated GIF, 24 frames", _encode(frames, "GIF", comment=b"52.37N 4.89E")),
        ("transparent GIF, 24", _encode(_frames(transparent=True), "GIF", disposal=2)),
        ("animated PNG, 24", _encode(frames, "PNG")),
        ("animated WebP lossy, 24", _encode(frames, "WEBP", quality=80)),
    ]


def _pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        frames = [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]
        durations = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            durations.append(image.info.get("duration"))
    return frames, durations


def difference(original, stored):
    """'identical', or the PSNR in dB over every frame (higher is closer; 40+ looks the same)."""
    before, before_durations = _pixels(original)
    after, after_durations = _pixels(stored)
    if len(before) != len(after):
        return f"{len(after)} of {len(before)} frames"
    if before_durations != after_durations:
        return "frame timing changed"
    if all(a.tobytes() == b.tobytes() for a, b in zip(before, after, strict=True)):
        return "identical"
    squared = count = 0
    for a, b in zip(before, after, strict=True):
        for x, y in zip(a.tobytes(), b.tobytes(), strict=True):
            squared += (x - y) ** 2
        count += a.width * a.height * 4
    return f"PSNR {10 * math.log10(255**2 / (squared / count)):.1f} dB"


def _reencoded(data):
    with images._open(io.BytesIO(data)) as image:
        fmt = images.FORMAT_ALIASES.get(image.format, image.format)
        lossless = image_metadata.webp_is_lossless(data)
        return images._reencode(image, fmt, lossless=lossless)


def main():
    print(f"{'upload':<26}{'original':>10}{'stored':>10}  {'stored pixels':<16}", end="")
    print(f"{'re-encoded':>11}  re-encoded pixels")
    for name, data in samples():
        stored, plain = images.clean_image_bytes(data), _reencoded(data)
        for cleaned in (stored, plain):
            assert b"Phonemaker" not in cleaned, f"{name}: metadata left"
        print(
            f"{name:<26}{len(data):>10,}{len(stored):>10,}  {difference(data, stored):<16}"
            f"{len(plain):>11,}  {difference(data, plain)}"
        )


if __name__ == "__main__":
    main()
