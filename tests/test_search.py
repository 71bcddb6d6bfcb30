import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_search_finds_title_and_item_text(client):
    digest = factories.make_digest("Physics and deep learning")
    factories.make_item(digest, title="Neural networks", description="Renormalization and galaxies")
    digest.refresh_search_text()
    factories.make_digest("Gardening notes")
    for query in ("physics", "renormalization", "galaxies"):
        page = client.get(reverse("blog:search"), {"q": query}).content.decode()
        assert "Physics and deep learning" in page, query
        assert "Gardening notes" not in page


def test_search_with_no_match_says_so(client):
    factories.make_digest("Physics")
    page = client.get(reverse("blog:search"), {"q": "zebra"}).content.decode()
    assert "Nothing matched “zebra”" in page


def test_search_hides_drafts(client):
    factories.make_digest("Secret physics", published=False)
    page = client.get(reverse("blog:search"), {"q": "physics"}).content.decode()
    assert "Secret physics" not in page


def test_wordpress_search_links_redirect(client):
    response = client.get("/", {"s": "deep learning"})
    assert response.status_code == 301
    assert response["Location"] == "/search/?q=deep+learning"


def test_search_query_is_escaped(client):
    page = client.get(reverse("blog:search"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
