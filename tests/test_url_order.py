"""The reader's pages come first in the URLconf (config/urls.py), so that resolving them
walks no other app's patterns. None of them may take another address: every address of
the site resolves to the pattern that made it."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

# A value each converter accepts, to make an address from a route.
SAMPLES = {
    "int": "7", "id": "7", "slug": "some-slug", "str": "some-str", "yyyy": "2026", "mm": "03",
    "path": "some/path", "uuid": "8c1f2b7e-3f8a-4a6e-9a55-0c3c3a1f0d2e",
}  # fmt: skip
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?\w+>")


def routes(patterns=None, prefix=""):
    """Every route made only of path() patterns (regular expressions are left out), whole."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def address(route):
    return "/" + PARAMETER.sub(lambda m: SAMPLES[m.group("converter") or "str"], route)


def test_every_address_resolves_to_the_pattern_that_made_it():
    checked = 0
    for route in routes():
        path = address(route)
        assert resolve(path).route == route, f"{path} is taken by {resolve(path).route!r}"
        checked += 1
    assert checked > 50


def test_the_home_page_and_a_digest_are_the_first_patterns_tried():
    first = get_resolver().url_patterns[0]
    assert isinstance(first, URLResolver) and first.namespace == "blog"
    assert resolve("/").view_name == "blog:digest-list"
    assert resolve("/2026/03/07/some-slug/").view_name == "blog:digest-detail"
