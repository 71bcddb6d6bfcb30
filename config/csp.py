"""Helpers for the Content-Security-Policy in settings (plain standard library)."""

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit


def inline_style_hashes(*templates):
    """CSP hashes of the <style> blocks in standalone pages (500.html, 503.html).

    Those pages link no stylesheet, so that they render whatever else is broken; their
    one inline style is allowed by its hash, computed from the template itself so an
    edit can't silently unstyle them.
    """
    hashes = set()
    for template in templates:
        for css in re.findall(r"<style>(.*?)</style>", Path(template).read_text(), re.S):
            digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
            hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def origin(url):
    """scheme://host[:port] of a URL, for a CSP source list."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
