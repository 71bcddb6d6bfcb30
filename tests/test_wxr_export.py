"""export_wxr writes WXR 1.2 that WordPress reads; imported again it gives the same blog."""

import hashlib
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.utils import timezone

from blog.models import Category, Digest, MediaItem, Tag
from comments.actions import remove
from comments.models import DigestComment
from tests import factories
from wxr.models import WordPressPost

pytestmark = pytest.mark.django_db

WP = "{http://wordpress.org/export/1.2/}"
FIXTURES = Path(__file__).parent / "fixtures" / "wxr"
State = DigestComment.State
Kind = MediaItem.Kind


def comment(digest, name, text, parent=None, state=State.PUBLIC, minutes=0):
    return factories.make_comment(
        digest, text, parent=parent, deepest=9, state=state, user_name=name,
        user_url="https://example.com/" + name.lower(), ip_address="192.0.2.1",
        submit_date=timezone.now() - timedelta(days=1) + timedelta(minutes=minutes),
    )  # fmt: skip


def build_blog():
    editor = factories.make_editor()
    science = factories.make_category("Science", description="All of it")
    physics = factories.make_category("Physics", parent=science)
    first = factories.make_digest(
        "Ten videos & a paper",
        author=editor,
        intro="These are the latest **articles** and [videos](https://example.org/v) I liked.\n\n"
        "A second paragraph.",
        cover_image=factories.image_upload("cover.jpg"),
        cover_alt="A cover",
    )
    factories.make_item(
        first, position=0, links=2, caption="The talk", credit="WSF",
        links_heading="Two papers described in the video:",
    )  # fmt: skip
    factories.make_item(
        first, kind=Kind.IMAGE, position=1, image=factories.image_upload("chart.png", "PNG"),
        alt_text="A rising line", caption="The chart", credit="NASA",
        url="https://example.org/source",
    )  # fmt: skip
    factories.make_item(first, kind=Kind.IMAGE, position=2, decorative=True,
                        image=factories.image_upload("swirl.gif", "GIF"))  # fmt: skip
    factories.make_item(first, kind=Kind.ARTICLE, position=3, url="https://example.com/a")
    factories.make_item(first, kind=Kind.PAPER, position=4, url="https://arxiv.org/abs/1")
    factories.make_item(first, kind=Kind.LINK, position=5, url="https://example.net/")
    factories.make_item(first, position=6, url="https://vimeo.com/76979871/8272103f6e")
    first.refresh_search_text()
    first.categories.set([physics])
    first.tags.set([factories.make_tag("space"), factories.make_tag("time travel")])

    factories.make_digest("A draft", published=False, author=editor, intro="Not yet.")
    factories.make_digest(
        "Scheduled", published_at=timezone.now() + timedelta(days=3), intro="Soon."
    ).categories.set([science])
    factories.make_digest("No comments here", allow_comments=False)

    root = comment(first, "Ann", "First!\n\nWith <strong>two</strong> paragraphs.")
    reply = comment(first, "Bob", "A reply https://example.org", parent=root, minutes=1)
    comment(first, "Cid", "A held reply", parent=reply, state=State.HELD, minutes=2)
    comment(first, "Spammer", "Buy now", state=State.SPAM, minutes=3)
    gone = comment(first, "Dee", "To be deleted", minutes=4)
    comment(first, "Eve", "Under a deleted one", parent=gone, minutes=5)
    remove(gone)  # its author deleted it: a placeholder stays for the reply
    page = FlatPage.objects.create(url="/about/", title="About", content="<p>Who I am.</p>")
    page.sites.add(Site.objects.get_current())


def file_hash(field_file):
    if not field_file:
        return None
    with field_file.open("rb") as stored:
        return hashlib.sha256(stored.read()).hexdigest()


def seconds(moment):
    return moment.replace(microsecond=0) if moment else None


def snapshot(exact=True):
    """The blog as readers and authors see it, without database ids."""
    blog = {
        "categories": sorted(
            (c.slug, c.name, c.description, c.parent.slug if c.parent else None)
            for c in Category.objects.all()
        ),
        "tags": sorted(Tag.objects.values_list("slug", "name")),
        "pages": sorted(FlatPage.objects.values_list("url", "title", "content")),
        "digests": [],
    }
    for digest in Digest.objects.order_by("slug"):
        comments = list(DigestComment.objects.for_digest(digest))
        index = {c.pk: n for n, c in enumerate(comments)}
        items = [
            (
                item.kind,
                item.title,
                item.source,
                item.url,
                item.caption,
                item.description if exact else None,
                item.credit if exact else None,
                item.alt_text,
                item.decorative,
                file_hash(item.image),
                [(link.title, link.url) for link in item.links.all()] if exact else None,
                item.links_heading if exact else None,
            )  # fmt: skip
            for item in digest.media_items.all()
        ]
        blog["digests"].append(
            {
                "title": digest.title,
                "slug": digest.slug,
                "status": digest.status,
                "published_at": seconds(digest.published_at),
                "intro": digest.intro if exact else None,
                "intro_html": re.sub(r">\s+<", "><", digest.intro_html),
                "author": digest.author.username if digest.author else None,
                "allow_comments": digest.allow_comments,
                "categories": sorted(digest.categories.values_list("slug", flat=True)),
                "tags": sorted(digest.tags.values_list("slug", flat=True)),
                "cover": (file_hash(digest.cover_image), digest.cover_alt),
                "items": items,
                "comments": [
                    (
                        c.level,
                        None if c.parent_id == c.pk else index[c.parent_id],
                        c.user_name,
                        c.user_email,
                        c.user_url,
                        str(c.ip_address or ""),
                        c.comment,
                        c.comment_html,
                        State.HELD if c.state == State.UNVERIFIED else c.state,
                        seconds(c.submit_date),
                    )  # fmt: skip
                    for c in comments
                ],
            }
        )
    return blog


def export(path, **options):
    out = io.StringIO()
    call_command("export_wxr", str(path), stdout=out, **options)
    return out.getvalue()


def empty_the_database():
    for digest in Digest.objects.all():
        digest.delete()  # its comments go with it
    for model in (Category, Tag, FlatPage, WordPressPost, get_user_model()):
        model.objects.all().delete()
    assert not DigestComment.objects.exists()


def reimport(path, uploads):
    out = io.StringIO()
    call_command(
        "import_wxr", str(path), "--no-progress", "--uploads-dir", str(uploads), stdout=out
    )
    return out.getvalue()


def test_export_is_wxr_1_2_as_wordpress_reads_it(tmp_path):
    build_blog()
    path = tmp_path / "blog.xml"
    assert export(path) == f"Wrote {path}: 4 posts, 1 pages, 3 images, 6 comments.\n"
    raw = path.read_text()
    assert "<!DOCTYPE" not in raw  # WordPress's importer refuses a document type
    root = ET.parse(path).getroot()
    namespaces = dict(re.findall(r'xmlns:(\w+)="([^"]+)"', raw))
    assert namespaces["wp"] == "http://wordpress.org/export/1.2/"
    assert namespaces["excerpt"] == "http://wordpress.org/export/1.2/excerpt/"
    channel = root.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url") == "http://testserver"
    assert [a.findtext(f"{WP}author_login") for a in channel.findall(f"{WP}author")] == ["editor"]
    categories = {
        c.findtext(f"{WP}category_nicename"): c.findtext(f"{WP}category_parent")
        for c in channel.findall(f"{WP}category")
    }
    assert categories == {"science": "", "physics": "science"}
    assert list(categories) == ["science", "physics"]  # parents first, as WordPress needs
    items = channel.findall("item")
    types = [i.findtext(f"{WP}post_type") for i in items]
    assert types == ["attachment"] * 3 + ["page"] + ["post"] * 4
    for item in items:
        for field in ("post_id", "post_date_gmt", "status", "post_name", "post_parent"):
            assert item.find(f"{WP}{field}") is not None, field
        assert item.find("guid") is not None and item.find("title") is not None
        for category in item.findall("category"):
            assert category.get("domain") in {"category", "post_tag"} and category.get("nicename")
    attachment = items[0]
    assert attachment.findtext(f"{WP}attachment_url").startswith("http://testserver/media/")
    # Titles go out as WordPress keeps them: HTML.
    statuses = {i.findtext("title"): i.findtext(f"{WP}status") for i in items[4:]}
    assert statuses == {
        "Ten videos &amp; a paper": "publish", "A draft": "draft", "Scheduled": "future",
        "No comments here": "publish",
    }  # fmt: skip
    post = items[4]
    comments = post.findall(f"{WP}comment")
    by_id = {c.findtext(f"{WP}comment_id"): c for c in comments}
    approved = sorted(c.findtext(f"{WP}comment_approved") for c in comments)
    assert approved == ["0", "1", "1", "1", "spam", "trash"]
    for reply in comments:
        parent = reply.findtext(f"{WP}comment_parent")
        assert parent == "0" or parent in by_id
    content = post.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    assert "<!-- wp:embed " in content and 'class="wp-image-' in content


def test_round_trip_reproduces_digests_items_terms_and_threads(tmp_path, media_root):
    build_blog()
    before = snapshot()
    path = tmp_path / "blog.xml"
    export(path)
    empty_the_database()
    output = reimport(path, media_root)
    assert "No warnings." in output
    assert snapshot() == before


def test_round_trip_from_the_html_alone(tmp_path, media_root):
    """An export whose exact data was lost (say, edited in WordPress) still comes back whole."""
    build_blog()
    before = snapshot(exact=False)
    path = tmp_path / "blog.xml"
    export(path)
    html_only = tmp_path / "html-only.xml"
    html_only.write_text(
        re.sub(
            r"<wp:postmeta><wp:meta_key><!\[CDATA\[_digestblog\]\]>.*?</wp:postmeta>\n",
            "",
            path.read_text(),
            flags=re.S,
        )  # fmt: skip
    )
    assert "_digestblog" not in html_only.read_text()
    empty_the_database()
    reimport(html_only, media_root)
    after = snapshot(exact=False)
    kinds = {Kind.ARTICLE: Kind.LINK, Kind.PAPER: Kind.LINK}  # HTML can't tell these apart
    for digest in before["digests"]:
        digest["items"] = [(kinds.get(i[0], i[0]), *i[1:]) for i in digest["items"]]
    assert after == before


def test_a_wordpress_blog_survives_import_export_import(tmp_path, media_root):
    from PIL import Image

    uploads = tmp_path / "uploads"
    (uploads / "2017" / "12").mkdir(parents=True)
    Image.new("RGB", (64, 40), (200, 100, 50)).save(uploads / "2017/12/cat.jpg")
    Image.new("RGB", (80, 60), (20, 100, 250)).save(uploads / "2017/12/chart.png")
    reimport(FIXTURES / "blog-wxr-1.2.xml", uploads)
    before = snapshot()
    path = tmp_path / "again.xml"
    export(path)
    empty_the_database()
    reimport(path, media_root)
    assert snapshot() == before
    assert WordPressPost.objects.filter(is_sticky=True).count() == 1  # the flag went along
    # So did the guids: importing the export again updates instead of adding.
    reimport(path, media_root)
    assert Digest.objects.count() == len(before["digests"])
