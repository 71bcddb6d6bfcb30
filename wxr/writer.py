"""The one XML writer for WordPress exports: export_wxr's file and the benchmark's made-up one.

WordPress's importer takes an element's text as it stands unless it is CDATA (its
fallback parser decodes no entities), so values go in CDATA sections, as WordPress's own
exporter writes them. Every string passes blog.text.xml_chars on its way in: what XML 1.0
forbids is dropped, so no stored row breaks the file.
"""

from xml.sax.saxutils import XMLGenerator

from blog.text import xml_chars

NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}


def _safe(value):
    return xml_chars("" if value is None else str(value))


class WXRWriter(XMLGenerator):
    """XMLGenerator that drops what XML 1.0 forbids and writes CDATA sections."""

    def __init__(self, out):
        super().__init__(out, encoding="UTF-8", short_empty_elements=False)

    def characters(self, content):
        super().characters(_safe(content))

    def startElement(self, name, attrs):  # noqa: N802 (the SAX name)
        super().startElement(name, {key: _safe(value) for key, value in attrs.items()})

    def raw(self, markup):
        """Markup written as it is; XMLGenerator's ignorableWhitespace is the call that does."""
        self.ignorableWhitespace(markup)

    def cdata(self, content):
        # "]]>" cannot stand inside a section: it is split over two, as WordPress does.
        self.raw("<![CDATA[" + _safe(content).replace("]]>", "]]]]><![CDATA[>") + "]]>")

    def element(self, name, value="", *, cdata=False, attrs=None, newline=False):
        self.startElement(name, attrs or {})
        if cdata:
            self.cdata(value)
        else:
            self.characters(value)
        self.endElement(name)
        if newline:
            self.raw("\n")

    def line(self, name, value="", **options):
        """One element on a line of its own."""
        self.element(name, value, newline=True, **options)

    def start_channel(self, comment=""):
        """The XML declaration, <rss> with WordPress's namespaces, and <channel>."""
        self.startDocument()
        if comment:
            self.raw(f"<!-- {comment} -->\n")
        namespaces = {f"xmlns:{prefix}": uri for prefix, uri in NAMESPACES.items()}
        self.startElement("rss", {"version": "2.0", **namespaces})
        self.raw("\n")
        self.startElement("channel", {})
        self.raw("\n")

    def end_channel(self):
        self.endElement("channel")
        self.raw("\n")
        self.endElement("rss")
        self.raw("\n")
        self.endDocument()
