"""A link described from the server, once, through blog.fetch, against a loopback stand-in."""

import pytest
from django.urls import reverse

from blog.models import MediaItem
from composer.models import SavedLink
from composer.unfurl import UnfurlError, fetch_poster, unfurl
from tests import link_standin
from tests.link_standin import PRIVATE

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_a_youtube_link_is_described_by_its_oembed_answer(linked_site):
    preview = unfurl(YOUTUBE)
    assert preview.kind == MediaItem.Kind.VIDEO
    assert preview.title == link_standin.VIDEO_TITLE
    assert preview.source == link_standin.CHANNEL
    assert preview.poster_url == f"{linked_site.base}/poster.jpg"
    # micawber asked our stand-in (through blog.fetch) for the video's watch address.
    assert any("youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ" in p for p in linked_site.paths)
    poster = fetch_poster(preview)
    assert poster.read() == link_standin.POSTER


def test_an_article_with_opengraph(linked_site):
    preview = unfurl(f"{linked_site.base}/article")
    assert preview.kind == MediaItem.Kind.ARTICLE
    assert preview.title == link_standin.ARTICLE_TITLE
    assert preview.source == f"{link_standin.ARTICLE_AUTHOR}, {link_standin.ARTICLE_SITE}"
    # The first sentences, not the whole description.
    assert preview.description.startswith("Neurons fire in sequences that work like clocks.")
    assert len(preview.description) <= 400
    assert preview.description.endswith(".")
    assert preview.poster_url == f"{linked_site.base}/og.jpg"


def test_an_article_with_only_json_ld(linked_site):
    preview = unfurl(f"{linked_site.base}/jsonld")
    assert preview.title == link_standin.LD_TITLE
    assert preview.source == "Ada Lovelace, Ars Technica"
    assert preview.description == "From point contacts to planar chips. And on."
    assert preview.poster_url == ""


def test_a_page_with_only_a_title_and_a_meta_description(linked_site):
    preview = unfurl(f"{linked_site.base}/plain")
    assert (preview.title, preview.description) == ("Only a title", "Short. Two.")


def test_a_page_that_says_nothing_is_refused_with_a_message(linked_site):
    with pytest.raises(UnfurlError, match="says nothing about itself"):
        unfurl(f"{linked_site.base}/nothing")


def test_what_a_page_says_about_itself_becomes_bounded_plain_text(linked_site):
    preview = unfurl(f"{linked_site.base}/hostile")
    assert preview.title == "Bold claim[31m"  # markup and what scripts say are gone
    assert "\x07" not in preview.title and "\x1b" not in preview.title
    assert "<img" not in preview.description and "onerror" not in preview.description
    assert len(preview.description) <= 400
    with pytest.raises(UnfurlError, match="not a public address"):
        fetch_poster(preview)  # its og:image points at the cloud's metadata service


def test_an_image_that_is_not_one_is_refused_like_an_upload(linked_site):
    preview = unfurl(f"{linked_site.base}/svg-image")
    with pytest.raises(UnfurlError):
        fetch_poster(preview)


def test_arxiv_and_doi_give_papers(linked_site):
    paper = unfurl("https://arxiv.org/abs/1706.03762v7")
    assert paper.kind == MediaItem.Kind.PAPER
    assert paper.title == link_standin.PAPER_TITLE
    assert paper.source == "Ashish Vaswani and Noam Shazeer"
    assert paper.description.startswith("The dominant sequence transduction models")
    assert any(p.endswith("id_list=1706.03762v7") for p in linked_site.paths)
    doi = unfurl("https://doi.org/10.1038/nature14539")
    assert (doi.title, doi.source) == ("Deep learning", "Yann LeCun and Yoshua Bengio")
    assert doi.description == "Deep learning allows computational models to learn."


def test_a_50_mb_page_is_cut_off(linked_site):
    with pytest.raises(UnfurlError, match="larger than"):
        unfurl(f"{linked_site.base}/huge")


def test_a_slow_server_meets_the_deadline(linked_site, settings):
    settings.FETCH_TIMEOUT = 1
    with pytest.raises(UnfurlError, match="within 1 s|in time"):
        unfurl(f"{linked_site.base}/slow")


def test_fetching_can_be_switched_off(linked_site, settings, connections):
    settings.COMPOSER_FETCH_LINKS = False
    with pytest.raises(UnfurlError, match="switched off"):
        unfurl(f"{linked_site.base}/article")
    assert connections == []


# The SSRF list, through the one fetcher, for the link and the poster paths -----------


@pytest.mark.parametrize("address", PRIVATE)
def test_a_link_to_a_private_address_is_never_fetched(address, linked_site, connections):
    with pytest.raises(UnfurlError, match="not a public address"):
        unfurl(address)
    assert connections == []


@pytest.mark.parametrize("address", PRIVATE)
def test_a_redirect_to_a_private_address_is_not_followed(address, linked_site, connections):
    with pytest.raises(UnfurlError, match="not a public address"):
        unfurl(f"{linked_site.base}/to-private?to={address}")
    assert {port for _, port in connections} == {linked_site.server_address[1]}


@pytest.mark.parametrize("address", PRIVATE)
def test_a_poster_at_a_private_address_is_never_fetched(address, linked_site, connections):
    preview = unfurl(YOUTUBE)
    preview.poster_url = address
    with pytest.raises(UnfurlError, match="not a public address"):
        fetch_poster(preview)
    preview.poster_url = f"{linked_site.base}/to-private?to={address}"
    with pytest.raises(UnfurlError, match="not a public address"):
        fetch_poster(preview)
    assert {port for _, port in connections} == {linked_site.server_address[1]}


@pytest.mark.parametrize("address", PRIVATE)
def test_an_oembed_endpoint_redirecting_inside_is_refused(
    address, linked_site, settings, connections
):
    settings.COMPOSER_OEMBED_ENDPOINTS = {"youtube": f"{linked_site.base}/to-private?to={address}"}
    with pytest.raises(UnfurlError, match="not a public address"):
        unfurl(YOUTUBE)
    assert {port for _, port in connections} == {linked_site.server_address[1]}


def test_saving_a_link_keeps_it_even_when_it_cannot_be_fetched(admin_client, linked_site):
    admin_client.post(reverse("composer:save"), {"url": "http://169.254.169.254/"})
    link = SavedLink.objects.get()
    assert link.state == SavedLink.State.FAILED
    assert "not a public address" in link.problem
