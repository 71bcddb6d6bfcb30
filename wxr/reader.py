"""Reading a WordPress export (WXR) safely, one element at a time.

The file is streamed with defusedxml's iterparse, so exports of hundreds of
megabytes need little memory: each <item> is turned into a plain dict and then
dropped from the tree. A document type declaration is refused outright (WordPress
never writes one), which refuses entity expansion ("billion laughs") and external
entities with it; nothing is ever fetched. WXR 1.0, 1.1 and 1.2 differ in their
namespace URIs (some http://, some https://) and are all read the same way.
WordPress.com hands out its export as a .zip of one or more WXR files; those are
read member by member.
"""

import contextlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse


class WXRError(Exception):
    """The file can't be imported; the message says why, and where if it can."""


_WP = re.compile(r"https?://wordpress\.org/export/(\d+\.\d+)/?\Z")
_EXCERPT = re.compile(r"https?://wordpress\.org/export/\d+\.\d+/excerpt/?\Z")
_CONTENT = re.compile(r"https?://purl\.org/rss/1\.0/modules/content/?\Z")
_DC = re.compile(r"https?://purl\.org/dc/elements/1\.1/?\Z")
HEADER_RECORDS = {"wp:author": "author", "wp:category": "category", "wp:tag": "tag"}
HEADER_FIELDS = {
    "title",
    "link",
    "description",
    "language",
    "wp:wxr_version",
    "wp:base_site_url",
    "wp:base_blog_url",
}


@dataclass
class Channel:
    """What the file says about the blog as a whole."""

    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    wxr_version: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    namespace_versions: set = field(default_factory=set)

    @property
    def blog_url(self):
        return (self.base_blog_url or self.link or self.base_site_url).strip().rstrip("/")


class Names:
    """Element names as "wp:post_id", "content:encoded", "title", whatever the URI's version."""

    def __init__(self, channel):
        self.channel = channel
        self.cache = {}

    def __call__(self, tag):
        name = self.cache.get(tag)
        if name is None:
            name = self.cache[tag] = self._name(tag)
        return name

    def _name(self, tag):
        if not tag.startswith("{"):
            return tag
        uri, local = tag[1:].split("}", 1)
        wp = _WP.match(uri)
        if wp:
            self.channel.namespace_versions.add(wp.group(1))
            return f"wp:{local}"
        for prefix, pattern in (("excerpt", _EXCERPT), ("content", _CONTENT), ("dc", _DC)):
            if pattern.match(uri):
                return f"{prefix}:{local}"
        return f"{{{uri}}}{local}"


def _text(element):
    return "".join(element.itertext())


def _fields(element, names):
    return {names(child.tag): _text(child) for child in element}


def _item(element, names):
    """An <item> as a dict: scalar fields, plus categories, postmeta and comments lists."""
    item = {"categories": [], "postmeta": [], "comments": []}
    for child in element:
        name = names(child.tag)
        if name == "category":
            item["categories"].append(
                (child.get("domain", ""), child.get("nicename", ""), _text(child))
            )
        elif name == "wp:postmeta":
            meta = _fields(child, names)
            item["postmeta"].append((meta.get("wp:meta_key", ""), meta.get("wp:meta_value", "")))
        elif name == "wp:comment":
            comment = {"meta": []}
            for part in child:
                part_name = names(part.tag)
                if part_name == "wp:commentmeta":
                    meta = _fields(part, names)
                    comment["meta"].append(
                        (meta.get("wp:meta_key", ""), meta.get("wp:meta_value", ""))
                    )
                else:
                    comment[part_name] = _text(part)
            item["comments"].append(comment)
        else:
            item[name] = _text(child)
            if name == "guid":
                item["guid_is_permalink"] = child.get("isPermaLink", "true") != "false"
    return item


@dataclass
class Source:
    label: str
    size: int
    open: object  # a callable returning a binary file object


def sources(path):
    """The WXR documents in a file: itself, or each .xml member of a .zip."""
    path = Path(path)
    if not path.is_file():
        raise WXRError(f"{path}: no such file.")
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        members = [
            info
            for info in archive.infolist()
            if info.filename.lower().endswith(".xml") and not info.is_dir()
        ]
        if not members:
            raise WXRError(f"{path}: the .zip holds no .xml file.")
        return [
            Source(f"{path.name}:{info.filename}", info.file_size, _member_opener(archive, info))
            for info in sorted(members, key=lambda i: i.filename)
        ]
    return [Source(path.name, path.stat().st_size, lambda: path.open("rb"))]


def _member_opener(archive, info):
    return lambda: archive.open(info)


class Reader:
    """Yields ("author" | "category" | "tag" | "term" | "item", dict) records in file order.

    Fills in ``channel`` as it goes. Raises WXRError for malformed or refused input;
    ``position`` (bytes read of ``size``) is there for a progress bar.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.sources = sources(path)
        self.size = sum(s.size for s in self.sources)
        self.channel = Channel()
        self.position = 0

    def __iter__(self):
        done = 0
        for source in self.sources:
            with source.open() as stream:
                yield from self._records(source, stream, done)
            done += source.size
            self.position = done

    def _records(self, source, stream, done):
        names = Names(self.channel)
        depth, channel, seen_wxr = 0, None, False
        events = iterparse(
            stream, events=("start", "end"), forbid_dtd=True, forbid_entities=True,
            forbid_external=True,
        )  # fmt: skip
        try:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 2:
                        channel = element
                    continue
                depth -= 1
                if depth != 2 or channel is None:
                    continue
                # A direct child of <channel> is complete: turn it into a record and drop it.
                name = names(element.tag)
                if name == "item":
                    seen_wxr = seen_wxr or bool(self.channel.namespace_versions)
                    yield "item", _item(element, names)
                elif name in HEADER_RECORDS:
                    yield HEADER_RECORDS[name], _fields(element, names)
                elif name == "wp:term":
                    yield "term", _fields(element, names)
                elif name in HEADER_FIELDS:
                    setattr(self.channel, name.removeprefix("wp:"), _text(element).strip())
                channel.remove(element)
                with contextlib.suppress(OSError, AttributeError):
                    self.position = done + stream.tell()
        except ParseError as exc:
            line, column = exc.position
            reason = str(exc).split(":")[0]
            raise WXRError(
                f"{source.label} is not well-formed XML: {reason} at line {line}, "
                f"column {column + 1}. Nothing was imported."
            ) from exc
        except DTDForbidden as exc:
            raise WXRError(
                f"{source.label} was refused: it has a document type declaration "
                "(<!DOCTYPE …>). WordPress exports have none, and the entities one declares "
                "can expand without end (“billion laughs”) or read other files and addresses. "
                "Nothing was imported."
            ) from exc
        except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise WXRError(
                f"{source.label} was refused: it declares an entity or refers to an external "
                f"one ({exc}). Nothing was imported."
            ) from exc
        if not (self.channel.namespace_versions or self.channel.wxr_version or seen_wxr):
            raise WXRError(
                f"{source.label} is not a WordPress export (WXR): it has no "
                "wp:wxr_version and no WordPress namespace. Nothing was imported."
            )
