"""Hostile characters for the tests of blog.text, and reading back what the site writes."""

import json
import re
from xml.etree import ElementTree

C0 = "".join(map(chr, range(0x01, 0x20)))  # NUL has tests of its own
C1 = "".join(map(chr, range(0x80, 0xA0)))
NONCHARACTERS = "\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff"
CONTROLS = C0 + "\x7f" + C1
# What no stored text may carry (tab, line feed and carriage return are fine).
FORBIDDEN = set(CONTROLS + NONCHARACTERS) - set("\t\n\r")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
FLAG = "\U0001f1eb\U0001f1f7"  # regional indicators F and R
THUMB = "\U0001f44d\U0001f3fd"  # thumbs up, medium skin tone
Q_ACUTE = "q\u0301"  # no precomposed form: stays two code points under NFC


def clean(text):
    """Whether the text carries none of FORBIDDEN."""
    return not set(text) & FORBIDDEN


def parse_xml(client, url):
    """The response must be 200 and well-formed XML; its root and text."""
    response = client.get(url)
    assert response.status_code == 200, url
    root = ElementTree.fromstring(response.content)
    return root, response.content.decode()


def ld_json(page):
    """The digest page's JSON-LD, parsed."""
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))
