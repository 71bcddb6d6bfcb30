"""import_wxr keeps every item when several share a guid, as in WordPress's Theme Unit Test."""

import pytest
from django.contrib.flatpages.models import FlatPage
from PIL import Image

from blog.models import Digest
from comments.models import DigestComment
from tests.test_wxr_import import FIXTURES, run_import, tally
from tests.test_wxr_links import assert_moved
from wxr.models import WordPressAttachment, WordPressPost

pytestmark = pytest.mark.django_db

SHARED = FIXTURES / "shared-guids.xml"
OLD_SITE = "https://wpthemetestdata.example"
MARKUP, PAGINATED, COMMENTS = 568, 1158, 1148
MARKUP_PATH = "/2013/01/markup-html-tags-and-formatting/"
PAGINATED_PATH = "/2012/08/template-paginated/"


@pytest.fixture
def uploads(tmp_path):
    """The two featured images: one red, one blue."""
    folder = tmp_path / "uploads"
    (folder / "2013" / "03").mkdir(parents=True)
    Image.new("RGB", (60, 40), (220, 20, 20)).save(folder / "2013/03/featured-image.jpg")
    Image.new("RGB", (60, 40), (20, 20, 220)).save(folder / "2013/03/featured-image-1.jpg")
    return folder


def digest_of(wp_id):
    return WordPressPost.objects.get(wp_id=wp_id, post_type="post").digest


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Digest, FlatPage, DigestComment, WordPressPost, WordPressAttachment)
    }


def assert_all_there(client):
    """Each post, page and picture sharing a guid is there, and its old links lead to it."""
    markup, paginated = digest_of(MARKUP), digest_of(PAGINATED)
    assert markup.title == "Markup: HTML Tags and Formatting" and markup.is_public
    assert paginated.title == "Template: Paginated" and paginated.is_public
    assert markup.cover_image.name == "wordpress/2013/03/featured-image.jpg"
    assert paginated.cover_image.name == "wordpress/2013/03/featured-image-1.jpg"
    for wp_id, path, digest in (
        (MARKUP, MARKUP_PATH, markup),
        (PAGINATED, PAGINATED_PATH, paginated),
    ):
        assert_moved(client, f"/?p={wp_id}", digest.get_absolute_url())
        assert_moved(client, path, digest.get_absolute_url())
    markup_html = client.get(markup.get_absolute_url()).content.decode()
    assert "A comment on the markup post." in markup_html
    assert "A comment on the paginated post." not in markup_html
    paginated_html = client.get(paginated.get_absolute_url()).content.decode()
    assert "A comment on the paginated post." in paginated_html
    assert "A comment on the markup post." not in paginated_html

    assert_moved(client, "/?page_id=2", "/about/")
    assert_moved(client, "/?page_id=1133", "/page-image-alignment/")
    assert "What the tests are for." in client.get("/about/").content.decode()
    assert (
        "Images left, right and centred." in client.get("/page-image-alignment/").content.decode()
    )

    assert_moved(client, "/?attachment_id=611", "/media/wordpress/2013/03/featured-image.jpg")
    assert_moved(client, "/?attachment_id=612", "/media/wordpress/2013/03/featured-image-1.jpg")
    assert_moved(
        client, f"{MARKUP_PATH}featured-image/", "/media/wordpress/2013/03/featured-image.jpg"
    )


def test_items_sharing_a_guid_are_all_imported_and_the_summary_names_them(client, uploads):
    output = run_import(SHARED, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [3, 0, 0, 0]
    assert tally(output, "pages") == [2, 0, 0, 0]
    assert tally(output, "attachments") == [2, 0, 0, 0]
    assert (
        f"post 568 and post 1158 share the guid {OLD_SITE}/?p=568: each is imported on its own "
        "and found again by its WordPress id." in output
    )
    assert f"page 2 and page 1133 share the guid {OLD_SITE}/?page_id=2" in output
    assert (
        f"attachment 611 and attachment 612 share the guid "
        f"{OLD_SITE}/wp-content/uploads/2013/03/featured-image.jpg" in output
    )
    assert f"?p={COMMENTS}" not in output  # a guid of its own is not mentioned
    assert_all_there(client)


def test_importing_again_loses_and_duplicates_nothing(client, uploads, tmp_path):
    run_import(SHARED, "--uploads-dir", str(uploads))
    before = counts()
    pks = (digest_of(MARKUP).pk, digest_of(PAGINATED).pk)

    output = run_import(SHARED, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [0, 0, 3, 0]
    assert tally(output, "pages") == [0, 0, 2, 0]
    assert tally(output, "attachments") == [0, 0, 2, 0]
    assert tally(output, "comments") == [0, 0, 2, 0]
    assert "post 568 and post 1158 share the guid" in output  # said on every run
    assert counts() == before
    assert (digest_of(MARKUP).pk, digest_of(PAGINATED).pk) == pks

    # A newer export: one of the two posts changed, and one of the two pages.
    newer = tmp_path / "newer.xml"
    newer.write_text(
        SHARED.read_text()
        .replace("Template: Paginated", "Template: Paginated (updated)")
        .replace("Images left, right and centred.", "Images left and right.")
    )
    output = run_import(newer, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [0, 1, 2, 0]
    assert tally(output, "pages") == [0, 1, 1, 0]
    assert counts() == before
    assert digest_of(MARKUP).title == "Markup: HTML Tags and Formatting"
    assert digest_of(PAGINATED).title == "Template: Paginated (updated)"
    assert "Images left and right." in client.get("/page-image-alignment/").content.decode()
    assert "What the tests are for." in client.get("/about/").content.decode()


def test_an_import_from_before_the_fix_gets_its_lost_post_back(client, uploads):
    """The old importer let post 1158 take over post 568's row (same guid); 568 was lost."""
    run_import(SHARED, "--uploads-dir", str(uploads))
    lost = WordPressPost.objects.get(wp_id=MARKUP, post_type="post")
    lost.digest.delete()  # and its row with it
    WordPressPost.objects.update(source="")  # rows of that time name no site
    WordPressAttachment.objects.update(source="")
    kept = digest_of(PAGINATED).pk

    output = run_import(SHARED, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [1, 0, 2, 0]
    assert tally(output, "attachments") == [0, 2, 0, 0]  # now noted with their site
    assert digest_of(PAGINATED).pk == kept
    assert set(WordPressPost.objects.values_list("source", flat=True)) == {
        "wpthemetestdata.example"
    }
    assert_all_there(client)
    assert tally(run_import(SHARED, "--uploads-dir", str(uploads)), "posts") == [0, 0, 3, 0]


def items_of(text):
    """The file's text before the first item, and each <item> element's text."""
    head, *items = text.split("\t<item>")
    return head, ["\t<item>" + item for item in items]


def test_the_site_at_a_new_address_with_new_ids_is_found_by_guid_and_permalink(
    client, uploads, tmp_path
):
    """WordPress moved: new address, posts renumbered, guids kept; the two stay apart."""
    run_import(SHARED, "--uploads-dir", str(uploads))
    before = counts()
    pks = {MARKUP: digest_of(MARKUP).pk, PAGINATED: digest_of(PAGINATED).pk}
    text = SHARED.read_text()
    for tag in ("link", "wp:base_site_url", "wp:base_blog_url"):
        text = text.replace(f"<{tag}>{OLD_SITE}</{tag}>", f"<{tag}>https://themes.example</{tag}>")
    text = text.replace("<wp:post_id>568<", "<wp:post_id>3568<").replace(
        "<wp:post_id>1158<", "<wp:post_id>4158<"
    )
    head, items = items_of(text.removesuffix("</channel>\n</rss>\n"))
    markup = next(i for i in items if "<wp:post_id>3568<" in i)
    items.remove(markup)
    moved = tmp_path / "moved.xml"  # the paginated post now comes first
    moved.write_text(head + "".join(items) + markup + "</channel>\n</rss>\n")

    output = run_import(moved, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [0, 2, 1, 0]
    assert counts() == before
    assert digest_of(3568).pk == pks[MARKUP] and digest_of(4158).pk == pks[PAGINATED]
    assert digest_of(3568).title == "Markup: HTML Tags and Formatting"
    assert_moved(client, "/?p=4158", digest_of(4158).get_absolute_url())
    assert (
        "A comment on the markup post."
        in client.get(digest_of(3568).get_absolute_url()).content.decode()
    )
    assert set(WordPressPost.objects.values_list("source", flat=True)) == {"themes.example"}
