"""Dropping metadata from a WebP file while keeping its pixel data byte for byte.

Only WebP needs it: Pillow re-encodes PNG and GIF losslessly at the same size, but a lossy
WebP would lose quality and grow (tools/image_cleaning.py prints the figures). The walker
raises ValueError, IndexError or struct.error on a layout it does not expect; blog.images
then re-encodes the pixels.
"""

import struct

# RIFF chunks that draw the picture (animation included); EXIF, XMP and unknown chunks are
# dropped and VP8X's flags updated.
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
