"""Image uploads: hostile files refused, uploads cleaned, resized copies offered in srcset."""

import io
import random
import re
import struct
import zlib
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory
from django.template import Context, Template, TemplateSyntaxError
from PIL import ExifTags, Image, PngImagePlugin

from blog.models import Digest, MediaItem
from tests import factories

ItemForm = modelform_factory(MediaItem, fields=["digest", "kind", "title", "image", "alt_text"])
SIZES = "(min-width: 50rem) 46rem, 100vw"
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 53.0, 24.0),
}


@pytest.fixture(autouse=True)
def empty_cache():
    """sorl-thumbnail caches what it made; every test has its own MEDIA_ROOT."""
    cache.clear()
    yield
    cache.clear()


# Building files ---------------------------------------------------------------


def noise(size, mode="RGB"):
    """Random pixels: they do not compress, so cutting the file cuts picture data."""
    width, height = size
    bands = len(mode)
    return Image.frombytes(mode, size, random.Random(0).randbytes(width * height * bands))


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def blank_png(width, height):
    """A valid 1-bit PNG of any size that compresses to a few KB: a decompression bomb."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = bytes(1 + (width + 7) // 8)  # filter byte, then the row's bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def exif_with_gps(orientation=None):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.GPSInfo] = GPS
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def animation(fmt, colors=("red", "lime", "blue"), size=(30, 20), **options):
    frames = [Image.new("RGB", size, color) for color in colors]
    return encode(
        frames[0], fmt, save_all=True, append_images=frames[1:],
        duration=[100, 200, 300][: len(frames)], loop=0, **options,
    )  # fmt: skip


# Submitting and reading back ---------------------------------------------------


def submit(digest, file):
    form = ItemForm(
        data={"digest": digest.pk, "kind": "image", "title": "A picture", "alt_text": "A picture"},
        files={"image": file},
    )
    form.is_valid()
    return form


def save_upload(digest, file):
    form = submit(digest, file)
    assert form.is_valid(), form.errors
    item = form.save()
    item.refresh_from_db()
    return item


def stored_files(media_root, under=""):
    folder = media_root / under
    return sorted(str(p.relative_to(media_root)) for p in folder.rglob("*") if p.is_file())


def stored_image(item):
    with item.image.open("rb") as stored:
        data = stored.read()
    return data, Image.open(io.BytesIO(data))


class _ImgParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def img_attrs(html):
    parser = _ImgParser()
    parser.feed(html)
    assert len(parser.found) == 1, html
    return parser.found[0]


def srcset_widths(attrs):
    return [
        int(candidate.split()[1].removesuffix("w")) for candidate in attrs["srcset"].split(", ")
    ]


def render_image(field_file, alt="A picture", sizes=SIZES):
    template = Template("{% load blog_images %}{% responsive_image image alt=alt sizes=sizes %}")
    return template.render(Context({"image": field_file, "alt": alt, "sizes": sizes}))


# Hostile uploads ---------------------------------------------------------------


def assert_refused(digest, media_root, file, message):
    form = submit(digest, file)
    assert not form.is_valid()
    assert any(message in error for error in form.errors["image"]), form.errors["image"]
    assert stored_files(media_root) == []
    assert not MediaItem.objects.exists()


def test_decompression_bomb_is_refused(digest, media_root):
    data = blank_png(20_000, 20_000)
    assert len(data) < 100_000
    assert_refused(
        digest, media_root, upload("huge.png", data),
        "far more pixels than the limit of 40 megapixels",
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("side", "message"),
    # BlogConfig.ready() sets Pillow's guard to our limit: Pillow warns from 1x (the size
    # is still read) and refuses to open from 2x.
    [
        (8_000, "The image is 8000×8000 pixels (64 megapixels); the limit is 40 megapixels."),
        (10_000, "The image has far more pixels than the limit of 40 megapixels."),
    ],
)
def test_image_over_pillows_guard_is_refused(digest, media_root, side, message):
    assert Image.MAX_IMAGE_PIXELS == 40_000_000
    assert_refused(digest, media_root, upload("big.png", blank_png(side, side)), message)


def test_image_over_our_pixel_limit_is_refused(digest, media_root):
    # 49 megapixels: under Pillow's limit, over BLOG_MAX_IMAGE_PIXELS.
    assert_refused(
        digest, media_root, upload("big.png", blank_png(7_000, 7_000)),
        "The image is 7000×7000 pixels (49 megapixels); the limit is 40 megapixels.",
    )  # fmt: skip


def test_pixel_limit_comes_from_settings(digest, media_root, settings):
    settings.BLOG_MAX_IMAGE_PIXELS = 1_000
    assert_refused(
        digest, media_root, factories.image_upload(size=(64, 48)),
        "The image is 64×48 pixels (3,072 pixels); the limit is 1,000 pixels.",
    )  # fmt: skip


@pytest.mark.parametrize(("name", "fmt"), [("cut.jpg", "JPEG"), ("cut.png", "PNG")])
def test_truncated_image_is_refused(digest, media_root, name, fmt):
    data = encode(noise((200, 150)), fmt)
    half = data[: len(data) // 2]
    # The header survives: Pillow opens the file and verify() would pass a cut JPEG.
    assert Image.open(io.BytesIO(half)).size == (200, 150)
    assert_refused(digest, media_root, upload(name, half), "The image is damaged or incomplete")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.jpg", b"Just some notes, not a picture.\n"),
        ("paper.jpg", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"),
        ("scan.tif", encode(Image.new("RGB", (20, 20)), "TIFF")),
        ("paint.jpg", encode(Image.new("RGB", (20, 20)), "BMP")),
    ],
)
def test_file_that_is_not_an_accepted_image_is_refused(digest, media_root, name, data):
    assert_refused(
        digest, media_root, upload(name, data),
        "This file is not a JPEG, PNG, GIF or WebP image.",
    )  # fmt: skip


def test_png_named_jpg_is_refused_with_the_right_name(digest, media_root):
    assert_refused(
        digest, media_root, factories.image_upload(name="photo.jpg", fmt="PNG"),
        "The file is named .jpg but holds a PNG image. Rename it to .png and upload it again.",
    )  # fmt: skip


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)


def test_svg_is_refused_by_name(digest, media_root):
    assert_refused(digest, media_root, upload("drawing.svg", SVG), "SVG images are not accepted")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("drawing.png", SVG),
        ("drawing.jpg", b'\xef\xbb\xbf<?xml version="1.0"?>\n' + SVG),
        ("page.gif", b"<!doctype html><script>alert(1)</script>"),
    ],
)
def test_svg_or_html_is_refused_by_content(digest, media_root, name, data):
    assert_refused(digest, media_root, upload(name, data), "This file is SVG or HTML")


def test_file_over_the_upload_limit_is_refused(digest, media_root, settings):
    settings.BLOG_MAX_UPLOAD_BYTES = 10_000
    data = encode(noise((200, 150)), "JPEG")
    assert len(data) > 10_000
    assert_refused(
        digest, media_root, upload("photo.jpg", data),
        f"The file is {len(data) / 1024:.0f} KB; the limit is 10 KB.",
    )  # fmt: skip


def test_empty_file_is_refused(digest, media_root):
    assert_refused(digest, media_root, upload("photo.jpg", b""), "The submitted file is empty.")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("photo.jpg", "JPEG"), ("photo.jpeg", "JPEG"), ("drawing.png", "PNG"),
     ("anim.gif", "GIF"), ("photo.webp", "WEBP")],
)  # fmt: skip
def test_good_image_is_accepted_and_stored(digest, media_root, name, fmt):
    item = save_upload(digest, factories.image_upload(name=name, fmt=fmt, size=(64, 48)))
    assert (item.image_width, item.image_height) == (64, 48)
    assert item.image.name.startswith("items/") and item.image.name.endswith(name[-4:])
    assert stored_files(media_root) == [item.image.name]
    assert stored_image(item)[1].format == fmt


def test_form_asks_the_browser_for_accepted_types_only():
    assert 'accept="image/jpeg,image/png,image/gif,image/webp"' in str(ItemForm()["image"])


# Cleaning uploads --------------------------------------------------------------


def test_rotated_jpeg_is_stored_upright_without_exif(digest):
    # Left half red, right half blue; orientation 6 means "turn a quarter clockwise to view".
    picture = Image.new("RGB", (60, 40), "blue")
    picture.paste(Image.new("RGB", (30, 40), "red"), (0, 0))
    data = encode(picture, "JPEG", exif=exif_with_gps(orientation=6))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    item = save_upload(digest, upload("phone.jpg", data))

    assert (item.image_width, item.image_height) == (40, 60)
    stored_data, stored = stored_image(item)
    assert stored.size == (40, 60)
    red, blue = stored.getpixel((20, 10)), stored.getpixel((20, 50))
    assert red[0] > 200 and red[2] < 60
    assert blue[2] > 200 and blue[0] < 60
    assert len(stored.getexif()) == 0
    assert b"Exif" not in stored_data and b"Phonemaker" not in stored_data


def test_phone_photo_with_a_second_picture_is_stored_as_one_plain_jpeg(digest):
    first, second = noise((80, 60)), Image.new("RGB", (80, 60), "red")
    data = encode(first, "MPO", save_all=True, append_images=[second], exif=exif_with_gps())
    assert Image.open(io.BytesIO(data)).format == "MPO"

    item = save_upload(digest, upload("phone.jpg", data))

    stored_data, stored = stored_image(item)
    assert stored.format == "JPEG"
    assert getattr(stored, "n_frames", 1) == 1
    assert len(stored.getexif()) == 0 and b"Phonemaker" not in stored_data


def test_plain_jpeg_is_stored_without_recompressing(digest):
    data = factories.image_bytes("JPEG", size=(64, 48))
    item = save_upload(digest, upload("photo.jpg", data))
    assert stored_image(item)[0] == data


def test_png_keeps_transparency_and_loses_metadata(digest):
    picture = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    picture.paste(Image.new("RGBA", (10, 20), (255, 0, 0, 255)), (10, 0))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Someone at home")
    data = encode(picture, "PNG", pnginfo=text, exif=exif_with_gps())

    item = save_upload(digest, upload("drawing.png", data))

    stored_data, stored = stored_image(item)
    assert stored.mode == "RGBA"
    assert stored.getpixel((2, 2))[3] == 0
    assert stored.getpixel((15, 2)) == (255, 0, 0, 255)
    assert "Author" not in stored.info and b"Someone" not in stored_data
    assert len(stored.getexif()) == 0


def test_rotated_palette_png_keeps_its_transparent_colour(digest):
    picture = Image.new("P", (30, 20), 1)
    picture.putpalette([0, 0, 0, 255, 0, 0])
    picture.paste(0, (0, 0, 15, 20))  # left half: colour 0, transparent
    data = encode(picture, "PNG", transparency=0, exif=exif_with_gps(orientation=6))

    item = save_upload(digest, upload("drawing.png", data))

    assert (item.image_width, item.image_height) == (20, 30)
    stored_data, stored = stored_image(item)
    rgba = stored.convert("RGBA")
    assert rgba.getpixel((10, 5))[3] == 0  # the left half is now on top
    assert rgba.getpixel((10, 25)) == (255, 0, 0, 255)
    assert len(stored.getexif()) == 0 and b"Phonemaker" not in stored_data


def test_animated_gif_keeps_its_frames_and_loses_its_comment(digest):
    data = animation("GIF", comment=b"Taken at 52.37N 4.89E")
    item = save_upload(digest, upload("anim.gif", data))

    stored_data, stored = stored_image(item)
    assert stored.n_frames == 3
    durations = []
    for frame in range(3):
        stored.seek(frame)
        durations.append(stored.info["duration"])
    assert durations == [100, 200, 300]
    assert b"52.37N" not in stored_data


@pytest.mark.parametrize(("name", "fmt"), [("anim.webp", "WEBP"), ("anim.png", "PNG")])
def test_animated_webp_and_png_keep_their_frames_and_lose_exif(digest, name, fmt):
    data = animation(fmt, exif=exif_with_gps())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    item = save_upload(digest, upload(name, data))

    stored_data, stored = stored_image(item)
    assert stored.n_frames == 3
    assert len(stored.getexif()) == 0 and b"Phonemaker" not in stored_data


def test_lossless_webp_keeps_its_exact_pixels(digest):
    picture = noise((40, 30))
    data = encode(picture, "WEBP", lossless=True, exif=exif_with_gps())

    item = save_upload(digest, upload("photo.webp", data))

    stored_data, stored = stored_image(item)
    assert stored.convert("RGB").tobytes() == picture.tobytes()
    assert len(stored.getexif()) == 0 and b"Phonemaker" not in stored_data


# Responsive renditions ---------------------------------------------------------


def test_large_image_offers_resized_copies(digest, media_root, django_assert_num_queries):
    item = save_upload(digest, factories.image_upload(size=(2000, 1000)))
    # Made when the image was saved, not when it is first shown.
    copies = stored_files(media_root, "cache")
    assert len(copies) == 4 + 5  # four JPEG widths; WebP at those and at full size

    with django_assert_num_queries(0):
        html = render_image(item.image)

    attrs = img_attrs(html)
    assert srcset_widths(attrs) == [480, 720, 960, 1600, 2000]
    urls = [candidate.split()[0] for candidate in attrs["srcset"].split(", ")]
    assert urls[-1] == item.image.url
    for url, width in zip(urls[:-1], [480, 720, 960, 1600], strict=True):
        assert url.startswith("/media/cache/")
        assert Image.open(media_root / url.removeprefix("/media/")).size == (width, width // 2)
    assert attrs["src"] == urls[3]
    # A <picture> offers the same widths in WebP first; the <img> is the fallback.
    source = re.search(r'<picture><source type="image/webp"\s+srcset="([^"]+)"', html)
    webp = [candidate.split() for candidate in source.group(1).split(", ")]
    assert [int(w.removesuffix("w")) for _, w in webp] == [480, 720, 960, 1600, 2000]
    for url, width in webp:
        with Image.open(media_root / url.removeprefix("/media/")) as copy:
            assert copy.format == "WEBP"
            assert copy.size == (int(width.removesuffix("w")), int(width.removesuffix("w")) // 2)
    assert (attrs["width"], attrs["height"]) == ("1600", "800")
    assert attrs["sizes"] == SIZES
    assert attrs["alt"] == "A picture"
    assert (attrs["loading"], attrs["decoding"]) == ("lazy", "async")
    assert stored_files(media_root, "cache") == copies


def test_second_render_makes_no_queries(digest, django_assert_num_queries):
    item = save_upload(digest, factories.image_upload(size=(2000, 1000)))
    cache.clear()  # as in another server process: the copies exist, the cache is empty

    with django_assert_num_queries(9):  # one look-up per copy: four JPEG, five WebP
        first = render_image(item.image)
    with django_assert_num_queries(0):
        second = render_image(item.image)
    assert first == second


def test_image_is_never_upscaled(digest, media_root):
    item = save_upload(digest, factories.image_upload(size=(700, 350)))
    attrs = img_attrs(render_image(item.image))
    assert srcset_widths(attrs) == [480, 700]
    assert (attrs["width"], attrs["height"]) == ("480", "240")
    assert len(stored_files(media_root, "cache")) == 3  # 480 px, and WebP at 480 and 700


def test_small_image_is_shown_as_it_is(digest, media_root):
    item = save_upload(digest, factories.image_upload(size=(300, 200)))
    attrs = img_attrs(render_image(item.image))
    assert attrs["src"] == item.image.url
    assert "srcset" not in attrs and "sizes" not in attrs
    assert (attrs["width"], attrs["height"]) == ("300", "200")
    assert stored_files(media_root, "cache") == []


def test_alt_text_is_escaped(digest):
    item = save_upload(digest, factories.image_upload(size=(300, 200)))
    alt = 'Cats & "dogs" <script>alert(1)</script>'
    html = render_image(item.image, alt=alt)
    assert 'alt="Cats &amp; &quot;dogs&quot; &lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<script>" not in html
    assert img_attrs(html)["alt"] == alt


def test_decorative_image_has_empty_alt(digest):
    item = save_upload(digest, factories.image_upload(size=(300, 200)))
    assert 'alt=""' in render_image(item.image, alt="")


def test_missing_image_renders_nothing(digest):
    item = factories.make_item(digest)
    assert render_image(item.image).strip() == ""


def test_missing_alt_is_a_template_error():
    with pytest.raises(TemplateSyntaxError, match="alt"):
        Template("{% load blog_images %}{% responsive_image image %}")


def test_animated_gif_copies_stay_animated(digest, media_root):
    item = save_upload(digest, upload("anim.gif", animation("GIF", size=(1000, 500))))
    attrs = img_attrs(render_image(item.image))
    assert srcset_widths(attrs) == [480, 720, 960, 1000]
    with Image.open(media_root / attrs["src"].removeprefix("/media/")) as copy:
        assert copy.size == (960, 480)
        assert copy.n_frames == 3
    # No WebP of an animation: sorl would keep one frame.
    assert "<picture>" not in render_image(item.image)


def test_animated_webp_is_shown_as_it_is(digest, media_root):
    item = save_upload(digest, upload("anim.webp", animation("WEBP", size=(1000, 500))))
    attrs = img_attrs(render_image(item.image))
    assert attrs["src"] == item.image.url and "srcset" not in attrs
    assert stored_files(media_root, "cache") == []


def test_saving_without_a_new_image_does_not_remake_copies(digest, media_root):
    item = save_upload(digest, factories.image_upload(size=(1000, 500)))
    for name in stored_files(media_root, "cache"):
        (media_root / name).unlink()

    item.title = "A new title"
    item.save()

    assert stored_files(media_root, "cache") == []


def test_new_cover_image_gets_its_copies_when_saved(db, media_root):
    digest = factories.make_digest(
        cover_image=factories.image_upload(name="cover.png", fmt="PNG", size=(1000, 500)),
        cover_alt="A cover",
    )
    digest = Digest.objects.get(pk=digest.pk)
    assert (digest.cover_width, digest.cover_height) == (1000, 500)
    assert len(stored_files(media_root, "cache")) == 3 + 4  # PNG widths, WebP and full size
    attrs = img_attrs(render_image(digest.cover_image, alt=digest.cover_alt))
    assert srcset_widths(attrs) == [480, 720, 960, 1000]


def test_admin_item_form_shows_only_the_upload_error(digest, media_root):
    from blog.forms import MediaItemForm

    form = MediaItemForm(
        data={"digest": digest.pk, "kind": "image", "title": "A picture", "alt_text": "A picture"},
        files={"image": upload("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")},
    )
    assert not form.is_valid()
    assert len(form.errors["image"]) == 1
    assert "SVG images are not accepted" in form.errors["image"][0]
    assert stored_files(media_root) == []
