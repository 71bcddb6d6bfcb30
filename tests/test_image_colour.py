"""Every image served to readers and editors is 8-bit sRGB: 16-bit, CMYK and ICC converted."""

import io
import re
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageStat

from accounts.models import Profile
from blog import images
from blog.models import Digest, MediaItem
from tests.idp.wordpress_standin import sign_in, wordpress_provider
from tests.test_admin import ADD_URL, change_url, digest_post, errors_of
from tests.test_wxr_import import BLOG, run_import
from wxr.models import WordPressFile

pytestmark = pytest.mark.django_db

GREY = (127.5, 127.5, 127.5)  # the mean of a gradient from black to white
SERVED_MODES = {"L", "RGB", "RGBA"}


# Building the pictures ----------------------------------------------------------------------


def gradient_values(width, height, top=65535):
    """Black to white from left to right, as 16-bit values."""
    return [x * top // (width - 1) for _ in range(height) for x in range(width)]


def grey16(width, height, mode="I;16"):
    """A 16-bit grey gradient in one of the modes Pillow has for it."""
    values = gradient_values(width, height)
    if mode == "I":
        return Image.frombytes("I", (width, height), struct.pack(f"<{len(values)}i", *values))
    order = ">" if mode == "I;16B" else "<"
    return Image.frombytes(mode, (width, height), struct.pack(f"{order}{len(values)}H", *values))


def png_bytes(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def grey16_png(width, height):
    return png_bytes(grey16(width, height))


def grey16_alpha_png(width, height):
    """A 16-bit grey-and-alpha PNG (colour type 4), written chunk by chunk: Pillow saves none."""
    values = gradient_values(width, height)
    rows = b"".join(
        b"\0" + b"".join(struct.pack(">HH", v, 0xFFFF) for v in values[y * width : (y + 1) * width])
        for y in range(height)
    )

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 4, 0, 0, 0)
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(rows))]
        + [chunk(b"IEND", b"")]
    )


def cmyk_jpeg(width, height):
    """Pure red in CMYK (no cyan, full magenta and yellow), as a print workflow saves it."""
    buffer = io.BytesIO()
    Image.new("CMYK", (width, height), (0, 255, 255, 0)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def linear_icc_profile():
    """An ICC v2 RGB profile with sRGB's primaries but gamma 1.0: not sRGB."""
    d50 = (0.9642, 1.0, 0.8249)
    primaries = {
        b"rXYZ": (0.4361, 0.2225, 0.0139),
        b"gXYZ": (0.3851, 0.7169, 0.0971),
        b"bXYZ": (0.1431, 0.0606, 0.7141),
    }

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    name = b"Linear RGB (test)\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + bytes(4 + 4 + 2 + 1 + 67),
        b"wtpt": xyz(d50),
        **{sig: xyz(v) for sig, v in primaries.items()},
        **{
            sig: b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0100)
            for sig in (b"rTRC", b"gTRC", b"bTRC")
        },
        b"cprt": b"text\0\0\0\0No copyright\0",
    }
    table, data = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for signature, body in tags.items():
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
        + bytes(12) + b"acsp" + bytes(4 + 4 + 4 + 4 + 8 + 4)
        + b"".join(struct.pack(">i", round(v * 65536)) for v in d50) + bytes(4 + 44)
    )  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + data


def linear_grey(width, height, fmt):
    """Mid-grey (128) in linear light, which is 188 in sRGB."""
    buffer = io.BytesIO()
    picture = Image.new("RGB", (width, height), (128, 128, 128))
    picture.save(buffer, fmt, icc_profile=linear_icc_profile())
    return buffer.getvalue()


PICTURES = {
    # name: (builder, the mean colour a reader must see)
    "grey16.png": (grey16_png, GREY),
    "grey16-alpha.png": (grey16_alpha_png, GREY),
    "cmyk.jpg": (cmyk_jpeg, (255, 0, 0)),
    "linear.png": (lambda width, height: linear_grey(width, height, "PNG"), (188, 188, 188)),
    "linear.jpg": (lambda width, height: linear_grey(width, height, "JPEG"), (188, 188, 188)),
}


# Looking at what is served -----------------------------------------------------------------


def served_urls(html):
    """Every image address in the page's <img> tags: src and each srcset candidate."""
    urls = re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        urls += [candidate.split()[0] for candidate in srcset.split(", ")]
    return sorted({url for url in urls if url.startswith("/media/")})


def open_served(media_root, url):
    with Image.open(media_root / url.removeprefix("/media/")) as image:
        image.load()
        return image


def assert_looks_right(image, expected, what):
    assert image.mode in SERVED_MODES, (what, image.mode)
    profile = image.info.get("icc_profile")
    assert not profile or b"sRGB" in profile, what  # sRGB, said or assumed
    colour = image.convert("RGB")
    mean = ImageStat.Stat(colour).mean
    assert all(abs(m - e) <= 10 for m, e in zip(mean, expected, strict=True)), (what, mean)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def upload_in_admin(editor_client, name, data):
    """A published digest with one image item, added through the admin's form."""
    item = {
        "kind": "image",
        "title": "A picture",
        "alt_text": "A picture",
        "image": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
    }
    response = editor_client.post(ADD_URL, digest_post([item], status="published"))
    assert response.status_code == 302, errors_of(response)
    return Digest.objects.get(slug="minds-and-machines")


# Tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [2000, 100], ids=["with-copies", "narrower-than-any-copy"])
@pytest.mark.parametrize("name", list(PICTURES))
def test_every_served_copy_and_the_admin_thumbnail_are_8_bit_srgb(
    editor_client, client, media_root, name, width
):
    builder, expected = PICTURES[name]
    digest = upload_in_admin(editor_client, name, builder(width, width // 4))
    item = digest.media_items.get()

    html = client.get(digest.get_absolute_url()).content.decode()
    urls = served_urls(html.split('class="item item--image"', 1)[1])
    # 2000 px: four JPEG/PNG widths and the original in srcset, the same five in WebP.
    assert len(urls) == (10 if width == 2000 else 1), urls
    for url in urls:
        assert_looks_right(open_served(media_root, url), expected, url)
    assert_looks_right(open_served(media_root, item.image.url), expected, "the stored original")

    admin_html = editor_client.get(change_url(digest)).content.decode()
    thumbnail = re.search(r'<img src="([^"]+)" alt="" class="item-thumbnail">', admin_html)
    assert_looks_right(open_served(media_root, thumbnail.group(1)), expected, "admin thumbnail")


@pytest.mark.parametrize("name", ["grey16.png", "cmyk.jpg"])
def test_an_image_stored_before_the_conversion_is_served_as_an_srgb_copy(
    client, digest, media_root, name
):
    """Files stored by earlier versions kept their 16-bit or CMYK pixels: readers get a copy."""
    builder, expected = PICTURES[name]
    stored = default_storage.save(f"items/2020/01/{name}", ContentFile(builder(300, 100)))
    item = MediaItem.objects.create(
        digest=digest, kind="image", title="Old picture", alt_text="Old picture", position=0
    )
    MediaItem.objects.filter(pk=item.pk).update(image=stored, image_width=300, image_height=100)

    html = client.get(digest.get_absolute_url()).content.decode()
    urls = served_urls(html.split('class="item item--image"', 1)[1])
    assert urls and f"/media/{stored}" not in urls
    for url in urls:
        image = open_served(media_root, url)
        assert image.size == (300, 100)
        assert_looks_right(image, expected, url)


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I;16L", "I"])
def test_every_16_bit_grey_mode_is_scaled_not_clipped(mode):
    converted = images.web_pixels(grey16(256, 8, mode))
    assert converted.mode == "L"
    assert ImageStat.Stat(converted).mean[0] == pytest.approx(127.5, abs=1)


def test_an_rgb_image_without_a_profile_is_left_as_it_is():
    image = Image.new("RGB", (4, 4), (10, 20, 30))
    assert images.web_pixels(image) is image


def test_a_16_bit_avatar_is_stored_grey_not_white(client, settings, media_root):
    with wordpress_provider(settings) as standin:
        standin.avatar = grey16_png(96, 96)
        sign_in(client)
    avatar = Profile.objects.get().avatar
    assert avatar, "the avatar was not stored"
    image = open_served(media_root, avatar.url)
    assert image.mode == "RGBA"
    assert_looks_right(image, GREY, "avatar")


def test_images_imported_from_wordpress_are_stored_8_bit_srgb(media_root, tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2017" / "12").mkdir(parents=True)
    (uploads / "2017/12/cat.jpg").write_bytes(cmyk_jpeg(640, 400))
    (uploads / "2017/12/chart.png").write_bytes(grey16_png(800, 600))
    run_import(BLOG, "--uploads-dir", str(uploads))
    stored = {f.path: f.name for f in WordPressFile.objects.all()}
    assert set(stored) == {"2017/12/cat.jpg", "2017/12/chart.png"}
    assert_looks_right(
        open_served(media_root, f"/media/{stored['2017/12/cat.jpg']}"), (255, 0, 0), "cat"
    )
    chart = open_served(media_root, f"/media/{stored['2017/12/chart.png']}")
    assert_looks_right(chart, GREY, "chart")
