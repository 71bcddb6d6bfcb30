"""oEmbed for digests (discovery, JSON and XML per the spec, the framed card) and the
read-only JSON of a digest with its items."""

import html
import json
import re
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from blog.models import MediaItem
from tests import factories


def oembed(client, url, **params):
    return client.get(f"/oembed/?{urlencode({'url': url, **params})}")


def permalink(digest):
    return f"http://testserver{digest.get_absolute_url()}"


@pytest.fixture
def tricky(db, editor):
    editor.first_name, editor.last_name = "Ed", 'O"Neil <b>'
    editor.save()
    digest = factories.make_digest('Quotes " and <script>alert(1)</script>', author=editor)
    for n in (3, 1, 2):
        factories.make_item(digest, kind=MediaItem.Kind.LINK, position=n, title=f"Item at {n}")
    return digest


def test_digest_pages_link_to_their_oembed_and_json(client, tricky):
    page = client.get(tricky.get_absolute_url()).content.decode()
    links = dict(re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', page))
    query = urlencode({"url": permalink(tricky)})
    assert html.unescape(links["application/json+oembed"]) == f"/oembed/?format=json&{query}"
    assert html.unescape(links["text/xml+oembed"]) == f"/oembed/?format=xml&{query}"
    assert links["application/json"] == f"/api/digests/{tricky.pk}/"
    for address in links.values():
        assert client.get(html.unescape(address)).status_code == 200


def test_oembed_json_follows_the_spec_and_escapes_the_html(client, tricky):
    response = oembed(client, permalink(tricky))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert {k: data[k] for k in ("version", "type", "provider_name", "width", "height")} == {
        "version": "1.0", "type": "rich", "provider_name": "Digests", "width": 560, "height": 420,
    }  # fmt: skip
    assert data["title"] == tricky.title
    assert data["author_name"] == 'Ed O"Neil <b>'
    assert data["provider_url"] == "http://testserver/"
    card = f"http://testserver{tricky.get_absolute_url()}card/"
    assert data["html"] == (
        f'<iframe src="{card}" width="560" height="420" '
        'title="Quotes &quot; and &lt;script&gt;alert(1)&lt;/script&gt;" loading="lazy" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" '
        'style="border:0;max-width:100%"></iframe>'
    )


@pytest.mark.parametrize(
    ("params", "size"),
    [
        ({"maxwidth": "300"}, (300, 420)),
        ({"maxwidth": "300", "maxheight": "200"}, (300, 200)),
        ({"maxwidth": "5000"}, (560, 420)),
        ({"maxwidth": "10"}, (200, 420)),
        ({"maxwidth": "-3", "maxheight": "abc"}, (560, 420)),
    ],
)
def test_oembed_honours_maxwidth_and_maxheight(client, digest, params, size):
    data = json.loads(oembed(client, permalink(digest), **params).content)
    assert (data["width"], data["height"]) == size
    assert f'width="{size[0]}" height="{size[1]}"' in data["html"]


def test_oembed_xml(client, tricky):
    response = oembed(client, permalink(tricky), format="xml", maxwidth="400")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "oembed"
    assert root.findtext("type") == "rich" and root.findtext("version") == "1.0"
    assert root.findtext("title") == tricky.title
    assert root.findtext("width") == "400"
    assert root.findtext("html").startswith('<iframe src="http://testserver/')
    assert len(root) == len(json.loads(oembed(client, permalink(tricky)).content))


def test_oembed_is_404_for_drafts_scheduled_and_other_addresses(client, digest):
    draft = factories.make_digest(published=False)
    scheduled = factories.make_digest(published_at=timezone.now() + timedelta(days=1))
    for url in (
        permalink(scheduled),
        f"http://testserver/preview/{draft.pk}/",
        "http://testserver/",
        f"https://elsewhere.example{digest.get_absolute_url()}",
        "javascript:alert(1)",
        "",
    ):
        assert oembed(client, url).status_code == 404, url
        assert client.get(f"/api/digests/{draft.pk}/").status_code == 404
    assert oembed(client, permalink(digest), format="yaml").status_code == 501
    assert client.get(f"{scheduled.get_absolute_url()}card/").status_code == 404


def test_only_the_card_may_be_framed_by_other_sites(client, tricky):
    card = client.get(f"{tricky.get_absolute_url()}card/")
    assert card.status_code == 200
    assert "X-Frame-Options" not in card
    assert "frame-ancestors *" in card["Content-Security-Policy"]
    text = card.content.decode()
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert re.findall(r"<li><a [^>]*>(Item at \d)</a>", text) == [
        "Item at 1",
        "Item at 2",
        "Item at 3",
    ]
    for address in (tricky.get_absolute_url(), "/", "/oembed/?url=x"):
        response = client.get(address)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_json_view_lists_items_in_order_and_nothing_private(client, tricky):
    factories.make_item(tricky, kind=MediaItem.Kind.LINK, position=9, title="Last", links=2)
    response = client.get(f"/api/digests/{tricky.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["title"] == tricky.title
    assert data["url"] == permalink(tricky)
    assert data["author"] == 'Ed O"Neil <b>'
    assert [item["title"] for item in data["items"]] == [
        "Item at 1",
        "Item at 2",
        "Item at 3",
        "Last",
    ]
    assert [item["number"] for item in data["items"]] == [1, 2, 3, 4]
    assert data["items"][3]["links"] == [
        {"title": "Paper 1", "url": "https://arxiv.org/abs/0"},
        {"title": "Paper 2", "url": "https://arxiv.org/abs/1"},
    ]
    assert (
        data["items"][0]["permalink"] == f"{permalink(tricky)}#item-{tricky.media_items.first().pk}"
    )
    text = response.content.decode()
    for private in ("editor@example.com", "password", "pbkdf2", '"status"', "search_text"):
        assert private not in text


def test_the_json_view_ignores_a_signed_in_editor(client, editor):
    draft = factories.make_digest(published=False)
    client.force_login(editor)
    assert client.get(draft.get_absolute_url()).status_code == 200  # the preview
    assert client.get(f"/api/digests/{draft.pk}/").status_code == 404
    assert client.post(f"/api/digests/{draft.pk}/").status_code in (404, 405)


def test_the_card_answers_head_too(client, digest):
    response = client.head(f"{digest.get_absolute_url()}card/")
    assert response.status_code == 200 and "X-Frame-Options" not in response
