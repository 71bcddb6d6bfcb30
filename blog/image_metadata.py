"""Dropping metadata from PNG, WebP and GIF files while keeping their pixel data byte for byte.

Each walker keeps the chunks or blocks that draw the picture (animation included) and
drops text, EXIF, XMP, time and private ones. They raise ValueError, IndexError or
struct.error on a layout they do not expect; blog.images then re-encodes the pixels.
"""

import struct

# PNG: keep the chunks that draw the picture (animation included); text, EXIF, time and
# private chunks are dropped.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def strip_png(data):
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    while True:
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length  # length, type, data, CRC
        if end > len(data):
            raise ValueError("PNG chunk runs past the end")
        if kind in _PNG_KEEP:
            kept.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(kept)


# WebP: RIFF chunks; EXIF, XMP and unknown chunks are dropped and VP8X's flags updated.
_WEBP_KEEP = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF_AND_XMP = 0x08 | 0x04


def _webp_chunks(data):
    """(type, chunk with header and padding) for each top-level chunk of a WebP file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (size,) = struct.unpack("<I", data[position + 4 : position + 8])
        end = position + 8 + size
        if end > len(data):
            raise ValueError("WebP chunk runs past the end")
        yield kind, data[position:end] + (b"\0" if size % 2 else b"")
        position = end + size % 2


def webp_is_lossless(data):
    try:
        return any(kind == b"VP8L" for kind, _ in _webp_chunks(data))
    except (ValueError, struct.error):
        return False


def strip_webp(data):
    kept = []
    for kind, chunk in _webp_chunks(data):
        if kind not in _WEBP_KEEP:
            continue
        if kind == b"VP8X":
            flags = chunk[8] & ~_VP8X_EXIF_AND_XMP
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        kept.append(chunk)
    body = b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


# GIF: comment extensions and application extensions other than looping (such as XMP) go.
_GIF_KEEP_APPLICATIONS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}
_GIF_GRAPHIC_CONTROL, _GIF_PLAIN_TEXT, _GIF_APPLICATION = 0xF9, 0x01, 0xFF


def _gif_color_table(packed):
    return 3 << ((packed & 7) + 1) if packed & 0x80 else 0


def _gif_skip_sub_blocks(data, position):
    """Position after the data sub-blocks starting at position (a zero size ends them)."""
    while True:
        size = data[position]
        position += 1 + size
        if size == 0:
            return position


def strip_gif(data):
    if data[:6] not in {b"GIF87a", b"GIF89a"}:
        raise ValueError("not a GIF")
    position = 13 + _gif_color_table(data[10])  # header, screen descriptor, global colors
    kept = [data[:position]]
    while position < len(data) and data[position] != 0x3B:
        block = data[position]
        if block == 0x21:  # extension
            label = data[position + 1]
            end = _gif_skip_sub_blocks(data, position + 2)
            keep = label in {_GIF_GRAPHIC_CONTROL, _GIF_PLAIN_TEXT} or (
                label == _GIF_APPLICATION
                and data[position + 3 : position + 14] in _GIF_KEEP_APPLICATIONS
            )
        elif block == 0x2C:  # image: descriptor, local colors, LZW code size, data
            start = position + 10 + _gif_color_table(data[position + 9])
            end = _gif_skip_sub_blocks(data, start + 1)
            keep = True
        else:
            raise ValueError(f"unknown GIF block {block:#x}")
        if end > len(data):
            raise ValueError("GIF block runs past the end")
        if keep:
            kept.append(data[position:end])
        position = end
    kept.append(b";")
    return b"".join(kept)


STRIP = {"PNG": strip_png, "WEBP": strip_webp, "GIF": strip_gif}
