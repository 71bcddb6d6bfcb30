"""Whether a link names our digest (the target of a webmention)."""

from urllib.parse import urlsplit

from blog.permalinks import host_of


def same_page(url, other):
    """Whether two addresses name the same page: host and path equal (scheme, query and
    fragment aside: http and https, "?utm=" and "#c12" all lead to the digest)."""
    host = host_of(url)
    return host is not None and host == host_of(other) and _path(url) == _path(other)


def _path(url):
    return urlsplit(url).path or "/"
