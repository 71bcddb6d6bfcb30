"""The SSRF list for every path that fetches (video posters, avatars; the composer's links in
tests/test_composer_unfurl.py): private addresses are refused directly and at a redirect,
through the one fetcher, and never even connected to."""

import pytest

from accounts.profiles import fetch_avatar
from blog.avatars import AvatarError
from blog.services import PosterError, fetch_video_poster
from tests import factories
from tests.link_standin import PRIVATE

pytestmark = pytest.mark.django_db


def addresses(linked_site, address):
    """The private address itself, and a public-looking hop redirecting to it."""
    return [address, f"{linked_site.base}/to-private?to={address}"]


@pytest.mark.parametrize("address", PRIVATE)
def test_a_video_poster_at_a_private_address_is_refused(
    address, linked_site, settings, connections
):
    item = factories.make_item(factories.make_digest())
    for url in addresses(linked_site, address):
        settings.BLOG_VIDEO_POSTER_SOURCES = {"youtube": (url,), "vimeo": url}
        with pytest.raises(PosterError, match="not a public address"):
            fetch_video_poster(item)
    assert {port for _, port in connections} == {linked_site.server_address[1]}
    item.refresh_from_db()
    assert not item.image


@pytest.mark.parametrize("address", PRIVATE)
def test_an_avatar_at_a_private_address_is_refused(address, linked_site, connections):
    for url in addresses(linked_site, address):
        with pytest.raises(AvatarError, match="not a public address"):
            fetch_avatar(url)
    assert {port for _, port in connections} == {linked_site.server_address[1]}
