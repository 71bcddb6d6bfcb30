"""import_wxr: a WordPress export becomes digests, items, terms, users, comments and pages."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.flatpages.models import FlatPage
from django.core.management import CommandError, call_command
from PIL import ExifTags, Image

from blog.models import Category, Digest, MediaItem, Tag
from comments.models import DigestComment
from tests import factories
from wxr.models import WordPressComment, WordPressFile, WordPressPost, WordPressTerm

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "wxr"
BLOG = FIXTURES / "blog-wxr-1.2.xml"
State = DigestComment.State


@pytest.fixture
def uploads(tmp_path):
    """The old blog's wp-content/uploads: what the fixture's posts show, and one impostor."""
    folder = tmp_path / "uploads"
    (folder / "2017" / "12").mkdir(parents=True)
    photo = Image.new("RGB", (640, 400), (200, 100, 50))
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.0)}
    photo.save(folder / "2017/12/cat.jpg", exif=exif)
    photo.resize((300, 200)).save(folder / "2017/12/cat-300x200.jpg")
    Image.new("RGB", (800, 600), (20, 100, 250)).save(folder / "2017/12/chart.png")
    (folder / "2017/12/evil.jpg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    return folder


def run_import(path, *args):
    out = io.StringIO()
    call_command("import_wxr", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def tally(output, kind):
    """[created, updated, unchanged, skipped] from the summary's row for a kind."""
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == kind and len(cells) == 5:
            return [int(c) for c in cells[1:]]
    raise AssertionError(f"no {kind} row in:\n{output}")


def digest(wp_id):
    return WordPressPost.objects.get(wp_id=wp_id, post_type="post").digest


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# Posts -------------------------------------------------------------------------------------


def test_statuses_map_to_published_scheduled_and_draft(client, uploads):
    run_import(BLOG, "--uploads-dir", str(uploads))
    published = digest(101)
    assert published.status == Digest.Status.PUBLISHED and published.is_public
    assert published.get_absolute_url() == "/2017/12/01/best-videos-of-december/"
    assert published.author.username == "ada"

    scheduled = digest(102)
    assert scheduled.is_scheduled and scheduled.published_at.year == 2099
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert "A scheduled digest" not in page_text(client, "/")

    for wp_id in (103, 104, 105, 106):  # draft, pending, private, password-protected
        assert digest(wp_id).status == Digest.Status.DRAFT, wp_id
        assert client.get(digest(wp_id).get_absolute_url()).status_code == 404
    assert "Secret text" not in page_text(client, "/")
    assert not WordPressPost.objects.filter(wp_id=110).exists()  # trashed


def test_post_content_becomes_intro_and_items(client, uploads):
    run_import(BLOG, "--uploads-dir", str(uploads))
    post = digest(101)
    assert post.intro_html.startswith(
        "<p>These are the latest articles and videos I found most interesting.</p>"
    )
    # Imported HTML goes through Markdown untouched: a *star* stays a star.
    assert "a *star*.<br>" in post.intro_html
    items = list(post.media_items.all())
    assert [(i.kind, i.url) for i in items] == [
        ("video", "https://www.youtube.com/watch?v=5MdSE-N0bxs"),
        ("image", ""),  # [caption]
        ("video", "https://vimeo.com/76979871"),  # [embed]
        ("image", ""),  # [gallery ids="201,202"]
        ("image", ""),
    ]
    assert items[0].description_html == "<p>Max Tegmark on the mathematical universe.</p>"
    caption = items[1]
    assert caption.title == caption.caption == "The cat that started it all"
    assert caption.alt_text == "A cat on a mat"
    # The full-size original is stored, not the resized copy the post showed.
    assert caption.image.name == "wordpress/2017/12/cat.jpg"
    assert (caption.image_width, caption.image_height) == (640, 400)
    assert items[4].image.name == "wordpress/2017/12/chart.png"
    assert "alert" not in items[2].description_html and "onclick" not in items[2].description_html

    html = page_text(client, post.get_absolute_url())
    assert "Max Tegmark on the mathematical universe." in html
    assert "The cat that started it all" in html
    assert "<script>alert" not in html and "steal()" not in html


def test_block_editor_content(uploads):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    items = list(digest(108).media_items.all())
    assert [(i.kind, i.title, i.url) for i in items] == [
        ("link", "A great article", "https://example.org/article"),  # heading with a link
        ("video", "The talk", "https://youtu.be/zR3Igc3Rhfg?t=90"),  # heading, embed block
        ("image", "The chart", ""),  # image block
        (
            "link",
            "Missing picture",
            "https://oldblog.example/wp-content/uploads/2017/12/missing.jpg",
        ),
        ("video", "Vimeo video", "https://vimeo.com/76979871/8272103f6e"),  # unlisted key kept
    ]
    assert items[0].description_html == "<p>Why the article matters.</p>"
    assert items[1].caption == "Starts at the good part"
    assert items[1].description_html == "<p>What the talk says.</p>"
    assert items[2].alt_text == "A rising line"
    assert "<blockquote><p>A quote stays text.</p></blockquote>" in items[3].description_html
    assert "missing.jpg was not stored (not found)" in output


def test_wordpress_com_shortcodes_players_and_refused_images(uploads):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    items = list(digest(109).media_items.all())
    assert [(i.kind, i.title, i.url) for i in items] == [
        ("video", "YouTube video", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&w=640"),
        ("video", "Embedded talk", "https://player.vimeo.com/video/123456"),
        (
            "link",
            "Not really a JPEG",
            "https://oldblog.example/wp-content/uploads/2017/12/evil.jpg",
        ),
    ]
    assert "2017/12/evil.jpg refused: This file is SVG or HTML" in output
    assert output.count("evil.jpg") == 1  # reported once
    assert not WordPressFile.objects.filter(path="2017/12/evil.jpg").exists()


def test_titles_empty_titles_html_in_titles_and_sticky_posts(uploads):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    assert digest(108).title == "Hello & welcome <friends>"
    untitled = digest(107)
    assert untitled.title == "Short thoughts without a title, kept at the top of"
    assert "Post 107 has no title" in output
    assert WordPressPost.objects.get(wp_id=107).is_sticky
    assert "Post 107 is sticky: imported in date order" in output
    assert "Post 106 is password-protected: imported as a draft" in output
    assert not digest(109).allow_comments  # comment_status closed


def test_categories_with_parents_and_tags(client, uploads):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    physics = Category.objects.get(slug="physics")
    assert physics.parent.slug == "science"
    assert physics.description == "Particles & waves"
    assert set(Tag.objects.values_list("slug", "name")) == {
        ("video", "Video"), ("space", "Space & Time"), ("history", "History"),
    }  # fmt: skip
    # A slug WordPress %-encoded (日本) that our addresses can't hold: kept for old links.
    japan = WordPressTerm.objects.get(slug="日本").category
    assert japan.name == "日本" and japan.slug == "category-6"
    assert set(digest(108).categories.values_list("slug", flat=True)) == {"category-6", "brand-new"}
    assert set(digest(101).tags.values_list("slug", flat=True)) == {"video", "history"}
    assert "skipped other: nav_menu term 1, nav_menu_item 1" in output
    assert "Best videos of December" in page_text(client, "/category/science/")


def test_authors_become_users_without_usable_passwords(uploads):
    existing = factories.make_editor(username="grace")
    existing.email = "grace@oldblog.example"
    existing.save()
    run_import(BLOG, "--uploads-dir", str(uploads))
    ada = get_user_model().objects.get(username="ada")
    assert (ada.email, ada.first_name, ada.last_name) == ("ada@oldblog.example", "Ada", "Lovelace")
    assert not ada.has_usable_password() and not ada.is_staff
    # Matched by email: no second account for the editor who already has one.
    assert not get_user_model().objects.filter(username="grace_hopper").exists()
    assert existing.has_usable_password()


# Comments ------------------------------------------------------------------------------------


def test_comments_keep_threads_states_and_authors(client, uploads, sent_mail):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    assert sent_mail() == []  # nobody is mailed about old comments
    post = digest(101)
    comments = {m.wp_id: m.comment for m in WordPressComment.objects.filter(post__wp_id=101)}
    assert set(comments) == {1, 2, 3, 4, 5, 8, 9}  # no pingback, trackback, lone trash
    one, two, three = comments[1], comments[2], comments[3]
    assert (one.level, two.parent_id, three.parent_id) == (0, one.pk, one.pk)
    # Replies to one comment in date order, whatever the file's order.
    assert [c.pk for c in DigestComment.objects.for_digest(post) if c.thread_id == one.pk] == [
        one.pk, two.pk, three.pk,
    ]  # fmt: skip
    assert one.user_url == "https://one.example" and str(one.ip_address) == "192.0.2.1"
    assert one.submit_date.isoformat() == "2017-12-01T10:00:00+00:00"
    assert '<a href="https://example.net/more" rel="nofollow ugc noopener">' in one.comment_html
    assert "<script>" not in one.comment_html
    assert three.ip_address is None  # "not an ip"
    assert two.user.username == "ada"  # comment_user_id 1 is the author
    assert one.fingerprint is None
    assert comments[4].state == State.HELD and comments[5].state == State.SPAM
    placeholder = comments[8]
    assert placeholder.state == State.REMOVED and placeholder.user_name == ""
    assert comments[9].parent_id == placeholder.pk
    assert "skipped comments: on a page 1, pingback 1, trackback 1, trash 1" in output

    html = page_text(client, post.get_absolute_url())
    assert "Great list!" in html and "glad</strong> you like it" in html
    assert "This comment was deleted." in html and "A reply under a trashed comment." in html
    assert "Still awaiting moderation" not in html  # held: private
    assert "Buy cheap pills" not in html  # spam: not shown
    assert "pingback excerpt" not in html and "Something I regret" not in html


def test_threads_ten_deep_are_kept_whole(client, uploads, settings):
    settings.COMMENTS_XTD_MAX_THREAD_LEVEL = 5
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    chain = {m.wp_id: m.comment for m in WordPressComment.objects.filter(post__wp_id=107)}
    for n in range(10):  # levels 0 to 9: ten deep, each under the one before
        assert chain[20 + n].level == n
        assert chain[20 + n].parent_id == chain[20 + max(n - 1, 0)].pk
    # Deeper replies follow the thread at the deepest level, under the same parent.
    assert chain[30].level == chain[31].level == 9
    assert chain[30].parent_id == chain[31].parent_id == chain[28].pk
    assert "comment 30 is more than 10 levels deep" in output
    html = page_text(client, digest(107).get_absolute_url())
    assert all(f"Reply at level {n}." in html for n in range(12))


# Files, pages, summary --------------------------------------------------------------------------


def test_images_are_checked_and_stored_once_without_metadata(uploads, media_root):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    stored = {f.path: f.name for f in WordPressFile.objects.all()}
    assert stored == {
        "2017/12/cat.jpg": "wordpress/2017/12/cat.jpg",
        "2017/12/chart.png": "wordpress/2017/12/chart.png",
    }
    with Image.open(media_root / "wordpress/2017/12/cat.jpg") as image:
        assert ExifTags.Base.GPSInfo not in image.getexif()  # the photo's location is gone
    cover = digest(101)
    assert cover.cover_image.name == "wordpress/2017/12/cat.jpg"
    assert cover.cover_alt == "A cat on a mat"
    assert "Attachment 203 (https://oldblog.example/wp-content/uploads/2017/12/missing.jpg): " \
        "not found under --uploads-dir; kept as a link" in output  # fmt: skip
    assert "Attachment 204 (https://oldblog.example/wp-content/uploads/2017/12/slides.pdf) " \
        "is not an image" in output  # fmt: skip


def test_without_uploads_dir_images_stay_links_and_are_reported(media_root):
    output = run_import(BLOG)
    caption = digest(101).media_items.get(position=1)
    assert caption.kind == MediaItem.Kind.LINK
    assert caption.url == "https://oldblog.example/wp-content/uploads/2017/12/cat-300x200.jpg"
    assert "cat-300x200.jpg was not stored (no --uploads-dir)" in output
    assert not WordPressFile.objects.exists()
    assert not (media_root / "wordpress").exists()


def test_published_pages_become_static_pages(client, uploads):
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    about = FlatPage.objects.get(url="/about/")
    assert about.title == "About & contact"
    assert (
        about.content
        == "<p>I collect <strong>interesting</strong> things.</p>\n\n<p>Write to me.</p>"
    )
    html = page_text(client, "/about/")
    assert "I collect <strong>interesting</strong> things." in html
    assert "About &amp; contact" in html and "alert(1)" not in html
    assert client.get("/about").status_code == 301
    # An old address the blog itself answers (/feed/) moves aside, and says so.
    assert FlatPage.objects.filter(url="/pages/feed/").exists()
    assert "Page 303: its address /feed/ can't be kept; it is at /pages/feed/." in output
    assert "skipped pages: draft 1" in output
    assert not FlatPage.objects.filter(title="Draft page").exists()


def test_summary_counts_each_kind_and_lists_every_warning(uploads):
    out, progress = io.StringIO(), io.StringIO()
    call_command(
        "import_wxr", str(BLOG), "--uploads-dir", str(uploads), stdout=out, stderr=progress
    )
    output = out.getvalue()  # the progress bars only show on a terminal
    lines = output.splitlines()
    assert lines[0].split() == ["created", "updated", "unchanged", "skipped"]
    assert lines[1].split() == ["authors", "2", "0", "0", "0"]
    assert tally(output, "posts") == [9, 0, 0, 1]
    assert tally(output, "comments") == [19, 0, 0, 4]
    assert tally(output, "files") == [2, 0, 0, 1]
    assert "12 warnings:" in output
    assert "  - Post 101: the shortcode [contact-form-7] is kept as plain text." in lines


# Running again, dry runs, bad files --------------------------------------------------------------


def test_second_run_updates_instead_of_duplicating(uploads, tmp_path):
    run_import(BLOG, "--uploads-dir", str(uploads))
    counts = (Digest.objects.count(), MediaItem.objects.count(), DigestComment.objects.count())
    output = run_import(BLOG, "--uploads-dir", str(uploads))
    assert (
        Digest.objects.count(),
        MediaItem.objects.count(),
        DigestComment.objects.count(),
    ) == counts
    assert tally(output, "posts") == [0, 0, 9, 1]
    assert tally(output, "comments") == [0, 0, 19, 4]

    # A newer export: a changed title, and a new reply under an existing comment.
    changed = tmp_path / "newer.xml"
    text = BLOG.read_text().replace(
        "<title><![CDATA[Best videos of December]]></title>",
        "<title><![CDATA[The best videos of December]]></title>",
    )
    new_reply = """<wp:comment><wp:comment_id>11</wp:comment_id>
        <wp:comment_author>Late Reader</wp:comment_author>
        <wp:comment_date_gmt>2018-01-05 10:00:00</wp:comment_date_gmt>
        <wp:comment_content>Late to the party.</wp:comment_content>
        <wp:comment_approved>1</wp:comment_approved><wp:comment_parent>2</wp:comment_parent>
        </wp:comment>"""
    changed.write_text(text.replace("</wp:comment>", "</wp:comment>" + new_reply, 1))
    output = run_import(changed, "--uploads-dir", str(uploads))
    assert tally(output, "posts") == [0, 1, 8, 1]
    assert tally(output, "comments") == [1, 0, 19, 4]
    post = digest(101)
    assert post.title == "The best videos of December"
    assert Digest.objects.count() == counts[0]
    late = WordPressComment.objects.get(post__wp_id=101, wp_id=11).comment
    parent = WordPressComment.objects.get(post__wp_id=101, wp_id=2).comment
    assert (late.parent_id, late.level) == (parent.pk, 2)
    assert WordPressFile.objects.count() == 2


def test_dry_run_writes_nothing(uploads, media_root):
    output = run_import(BLOG, "--uploads-dir", str(uploads), "--dry-run")
    assert tally(output, "posts") == [9, 0, 0, 1]
    assert output.rstrip().endswith("Dry run: nothing was written.")
    assert not Digest.objects.exists() and not DigestComment.objects.exists()
    assert not get_user_model().objects.exists() and not Category.objects.exists()
    assert not FlatPage.objects.exists() and not WordPressPost.objects.exists()
    assert not (media_root / "wordpress").exists()


def test_malformed_file_is_reported_with_line_and_column_and_changes_nothing():
    existing = factories.make_digest("Already here")
    with pytest.raises(CommandError) as error:
        run_import(FIXTURES / "malformed.xml")
    assert str(error.value) == (
        "malformed.xml is not well-formed XML: mismatched tag at line 6, column 23. "
        "Nothing was imported."
    )
    assert list(Digest.objects.all()) == [existing]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billion-laughs.xml", "has a document type declaration"),
        ("external-entity.xml", "has a document type declaration"),
        ("not-wxr.xml", r"is not a WordPress export \(WXR\)"),
    ],
)
def test_hostile_or_foreign_files_are_refused(name, message):
    with pytest.raises(CommandError, match=message):
        run_import(FIXTURES / name)
    assert not Digest.objects.exists()


def test_an_error_half_way_rolls_everything_back(uploads, media_root, monkeypatch):
    from wxr import threads

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(threads.Threads, "import_one", fail)
    with pytest.raises(RuntimeError):
        run_import(BLOG, "--uploads-dir", str(uploads))
    assert not Digest.objects.exists() and not WordPressFile.objects.exists()
    assert not any((media_root / "wordpress").rglob("*.*"))  # stored files removed again


@pytest.mark.parametrize("name", ["blog-wxr-1.0.xml", "blog-wxr-1.1-https.xml"])
def test_older_wxr_versions_and_https_namespaces(client, name):
    output = run_import(FIXTURES / name)
    post = digest(7)
    assert post.title == "Hello from 2010" and post.is_public
    assert post.author.username == "admin"  # from dc:creator: WXR 1.0 lists no authors
    assert [c.slug for c in post.categories.all()] == ["links"]
    assert [t.slug for t in post.tags.all()] == ["retro"]
    assert [(i.kind, i.url) for i in post.media_items.all()] == [
        ("video", "http://www.youtube.com/watch?v=dQw4w9WgXcQ")
    ]
    first, reply = DigestComment.objects.for_digest(post)
    assert (first.user_name, reply.parent_id, reply.level) == ("Visitor", first.pk, 1)
    assert tally(output, "comments") == [2, 0, 0, 0]
    assert "Welcome!" in page_text(client, post.get_absolute_url())


def test_wordpress_com_zip_of_several_files(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(FIXTURES / "blog-wxr-1.0.xml", "blog.wordpress.2010-03-01.000.xml")
        zipped.writestr(
            "blog.wordpress.2010-03-01.001.xml",
            (FIXTURES / "blog-wxr-1.0.xml")
            .read_text()
            .replace("Hello from 2010", "Second file")
            .replace("?p=7", "?p=8")
            .replace("<wp:post_id>7<", "<wp:post_id>8<")
            .replace("hello-from-2010", "second-file"),
        )
    run_import(archive)
    assert set(Digest.objects.values_list("title", flat=True)) == {"Hello from 2010", "Second file"}


def test_uploads_dir_must_exist_and_nothing_outside_it_is_read(tmp_path, uploads):
    with pytest.raises(CommandError, match="is not a folder"):
        run_import(BLOG, "--uploads-dir", str(tmp_path / "nope"))
    secret = tmp_path / "secret.jpg"
    shutil.copy(uploads / "2017/12/cat.jpg", secret)
    text = BLOG.read_text().replace(
        "https://www.youtube.com/watch?v=5MdSE-N0bxs",
        '<img src="https://oldblog.example/../secret.jpg" alt="x">'
        '<img src="../secret.jpg" alt="y">',
    )
    (tmp_path / "sneaky.xml").write_text(text)
    run_import(tmp_path / "sneaky.xml", "--uploads-dir", str(uploads))
    assert not WordPressFile.objects.filter(path__contains="secret").exists()
