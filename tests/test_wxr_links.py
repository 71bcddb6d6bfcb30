"""Links to the old WordPress blog keep working after import_wxr: 200, or a 301 to the new place."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from wxr.models import WordPressPost

pytestmark = pytest.mark.django_db

BLOG = Path(__file__).parent / "fixtures" / "wxr" / "blog-wxr-1.2.xml"


@pytest.fixture
def imported(tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2017" / "12").mkdir(parents=True)
    Image.new("RGB", (64, 40), (200, 100, 50)).save(uploads / "2017/12/cat.jpg")
    Image.new("RGB", (80, 60), (20, 100, 250)).save(uploads / "2017/12/chart.png")
    call_command(
        "import_wxr",
        str(BLOG),
        "--no-progress",
        "--uploads-dir",
        str(uploads),
        stdout=io.StringIO(),
    )


def digest_url(wp_id):
    return WordPressPost.objects.get(wp_id=wp_id).digest.get_absolute_url()


def assert_moved(client, old, new):
    response = client.get(old)
    assert (response.status_code, response.get("Location")) == (301, new), old


def test_permalinks_answer_where_they_were(client, imported):
    assert client.get("/2017/12/01/best-videos-of-december/").status_code == 200
    assert client.get("/2018/01/02/hello-welcome/").status_code == 200
    assert client.get("/category/physics/").status_code == 200
    assert client.get("/tag/video/").status_code == 200
    assert client.get("/about/").status_code == 200  # an imported page


def test_query_links_move_to_the_new_place(client, imported):
    assert_moved(client, "/?p=101", "/2017/12/01/best-videos-of-december/")
    assert_moved(client, "/index.php?p=108", "/2018/01/02/hello-welcome/")
    assert_moved(client, "/?page_id=301", "/about/")
    assert_moved(client, "/?attachment_id=201", "/media/wordpress/2017/12/cat.jpg")
    assert_moved(client, "/?cat=5", "/category/physics/")
    assert_moved(client, "/?tag=space", "/tag/space/")
    assert_moved(client, "/?m=201712", "/2017/12/")
    assert_moved(client, "/?m=2017", "/2017/")
    assert_moved(client, "/?feed=rss2", "/feed/")


def test_changed_addresses_move_to_the_new_place(client, imported):
    # An untitled post's slug is made from its text; its old address still works.
    assert_moved(client, "/2017/12/06/untitled-thoughts/", digest_url(107))
    assert_moved(client, "/archives/109", "/2017/12/05/old-permalink/")  # another structure
    assert_moved(client, "/category/science/physics/", "/category/physics/")  # nested
    assert_moved(client, "/category/%e6%97%a5%e6%9c%ac/", "/category/category-6/")
    assert client.get("/feed/").status_code == 200  # the blog's own, not the moved page


def test_uploaded_files_move_to_the_stored_copy(client, imported):
    assert_moved(client, "/wp-content/uploads/2017/12/cat.jpg", "/media/wordpress/2017/12/cat.jpg")
    # A resized copy WordPress made goes to the original.
    assert_moved(
        client, "/wp-content/uploads/2017/12/cat-300x200.jpg", "/media/wordpress/2017/12/cat.jpg"
    )
    assert_moved(
        client,
        "/2017/12/01/best-videos-of-december/cat/",  # the attachment page
        "/media/wordpress/2017/12/cat.jpg",
    )
    assert client.get("/wp-content/uploads/2017/12/missing.jpg").status_code == 404


def test_drafts_and_unknown_links_are_not_revealed(client, imported):
    assert client.get("/2017/12/05/private-notes/").status_code == 404
    assert client.get("/2017/12/05/members-only/").status_code == 404
    home = client.get("/?p=103")  # a draft: the home page, no hint of the post
    assert home.status_code == 200 and b"Not ready" not in home.content
    assert client.get("/?p=999").status_code == 200
    assert client.get("/no/such/page/").status_code == 404
    assert client.get("/?p=102").status_code == 200  # scheduled: not before its time


def test_pages_that_exist_cost_no_lookup(client, imported):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/tag/video/").status_code == 200
    assert not any("wxr_" in q["sql"] for q in queries.captured_queries)
