import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def test_rss_feed_has_full_content(client):
    digest = factories.make_digest("Physics digest")
    factories.make_item(digest, title="A talk on learning", links=1)
    response = client.get(reverse("blog:feed"))
    assert response["Content-Type"].startswith("application/rss+xml")
    item = ET.fromstring(response.content).find("channel/item")
    assert item.findtext("title") == "Physics digest"
    assert item.findtext("link") == f"http://testserver{digest.get_absolute_url()}"
    content = item.findtext(CONTENT)
    assert "A talk on learning" in content and "https://arxiv.org/abs/0" in content
    assert "youtube.com/watch?v=dQw4w9WgXcQ" in content


def test_atom_feed_has_full_content(client):
    factories.make_digest("Physics digest", items=2)
    root = ET.fromstring(client.get(reverse("blog:atom-feed")).content)
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Physics digest"
    assert "Physics digest, item 2" in entry.findtext(f"{ATOM}content")


def test_feed_entries_name_their_categories_then_their_tags(client):
    first, second = factories.make_digest("First"), factories.make_digest("Second")
    first.categories.set([factories.make_category("Science"), factories.make_category("Art")])
    first.tags.set([factories.make_tag("physics")])
    second.tags.set([factories.make_tag("biology"), factories.make_tag("atoms")])
    channel = ET.fromstring(client.get(reverse("blog:feed")).content).find("channel")
    entries = {
        item.findtext("title"): [c.text for c in item.findall("category")]
        for item in channel.findall("item")
    }
    assert entries == {"First": ["Art", "Science", "physics"], "Second": ["atoms", "biology"]}
    atom = ET.fromstring(client.get(reverse("blog:atom-feed")).content)
    terms = [c.get("term") for c in atom.find(f"{ATOM}entry").findall(f"{ATOM}category")]
    assert terms == ["Art", "Science", "physics"]


def test_category_feed_only_has_that_category(client):
    science = factories.make_category("Science")
    inside = factories.make_digest("Inside")
    inside.categories.add(science)
    factories.make_digest("Outside")
    body = client.get(reverse("blog:category-feed", kwargs={"slug": "science"})).content.decode()
    assert "Inside" in body and "Outside" not in body


def test_sitemap_lists_published_digests(client):
    digest = factories.make_digest("Listed")
    draft = factories.make_digest("Hidden", published=False)
    body = client.get(reverse("blog:sitemap")).content.decode()
    assert f"http://testserver{digest.get_absolute_url()}" in body
    assert f"/preview/{draft.pk}/" not in body


def test_digest_page_has_open_graph_twitter_and_json_ld(client):
    digest = factories.make_digest("Cheap learning", intro="Why deep nets </script><b>work</b>.")
    factories.make_item(digest, title="Cheap & deep")
    page = client.get(digest.get_absolute_url()).content.decode()
    url = f"http://testserver{digest.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert '<meta property="og:title" content="Cheap learning">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert (
        '<meta property="og:image" content="http://testserver/static/blog/og-default.png">' in page
    )
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Cheap learning"
    assert data["url"] == url
    # A short intro is followed by the item titles (tags gone, nothing escaped twice).
    assert data["description"] == "Why deep nets work: Cheap & deep"


def test_json_ld_cannot_break_out_of_its_script(client):
    digest = factories.make_digest("</script><script>alert(1)</script>")
    page = client.get(digest.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(raw)["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page


def test_home_canonical_link_ignores_tracking_parameters(client):
    for n in range(12):
        factories.make_digest(f"Digest {n}")
    first = client.get("/", {"utm_source": "newsletter"}).content.decode()
    assert '<link rel="canonical" href="http://testserver/">' in first
    second = client.get("/page/2/").content.decode()
    assert '<link rel="canonical" href="http://testserver/?page=2">' in second


def test_server_error_page_is_friendly_and_standalone(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "Traceback" not in body
