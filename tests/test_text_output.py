"""No stored text breaks a page, feed or export: what the site writes stays well-formed, names
are isolated, excerpts keep whole graphemes, moderators see websites as browsers read them."""

import html
import io
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from blog.models import Digest, MediaItem
from blog.text import shorten
from comments import avatars
from comments.feeds import digest_feed_url
from comments.models import DigestComment
from tests import factories
from tests.comment_helpers import confirmation_link, post_after_commit, post_comment
from tests.text_helpers import (
    BIDI,
    CONTROLS,
    FAMILY,
    FLAG,
    NONCHARACTERS,
    Q_ACUTE,
    THUMB,
    clean,
    ld_json,
    parse_xml,
)  # fmt: skip

pytestmark = pytest.mark.django_db

State = DigestComment.State
CHANGELIST = reverse("admin:comments_digestcomment_changelist")
HOSTILE = f"{CONTROLS}{NONCHARACTERS}\u2028\u2029"


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def stored_raw(digest, name, text, state=State.PUBLIC, **fields):
    """A row as it may have been stored before blog.text (or imported): nothing cleaned."""
    return factories.make_comment(
        digest, text, user_name=name, user_email="old@example.com",
        comment_html=f"<p>{text}</p>", state=state, **fields,
    )  # fmt: skip


def every_output(client, digest, tmp_path):
    """Every page, feed and export a reader, robot or operator gets: all 200, XML well-formed."""
    urls = [
        reverse("blog:feed"), reverse("blog:atom-feed"), reverse("comments:feed"),
        digest_feed_url(digest), reverse("blog:sitemap"),
    ]  # fmt: skip
    for category in digest.categories.all():
        urls.append(reverse("blog:category-feed", args=[category.slug]))
    texts = [parse_xml(client, url)[1] for url in urls]
    response = client.get(digest.get_absolute_url())
    assert response.status_code == 200
    posting = ld_json(response.content.decode())
    assert posting["@type"] == "BlogPosting"
    export = tmp_path / "export.xml"
    call_command("export_wxr", str(export), stdout=io.StringIO())
    ElementTree.parse(export)
    texts.append(export.read_text(encoding="utf-8"))
    return response.content.decode(), posting, texts


def test_rows_stored_before_these_rules_break_no_page_feed_or_export(client, digest, tmp_path):
    category = factories.make_category("Science")
    digest.categories.set([category])
    Digest.objects.filter(pk=digest.pk).update(title=f"Title{HOSTILE}end")
    MediaItem.objects.create(digest=digest, kind="link", url="https://example.org/",
                             title=f"Item{HOSTILE}", position=0)  # fmt: skip
    stored_raw(digest, f"Old{HOSTILE}name", f"Old{HOSTILE}text")
    digest.refresh_from_db()
    page, posting, texts = every_output(client, digest, tmp_path)
    assert "Title" in posting["headline"]
    for text in texts:
        assert clean(text)
    comment_feed = texts[2]
    assert "Old" in comment_feed and "name on Title" in comment_feed


def test_a_comment_feed_with_noncharacters_parses(client, digest):
    # These once left the feed at 200 but not well-formed.
    stored_raw(digest, "Ada \ufffe\uffff", "Text \ufffe\uffff\U0010ffff")
    for url in (reverse("comments:feed"), digest_feed_url(digest)):
        root, text = parse_xml(client, url)
        assert [i.findtext("author") or i.findtext("title") for i in root.iter("item")]
        assert clean(text)


def test_feeds_keep_emoji_and_drop_the_noncharacters_beside_them(client, digest):
    title = f"Cheap {THUMB} learning {FAMILY}"
    Digest.objects.filter(pk=digest.pk).update(title=f"{title}\U0001fffe\U0010ffff\ufffe")
    MediaItem.objects.create(digest=digest, kind="link", url="https://example.org/",
                             title=f"{FLAG} item\U0001ffff", position=0)  # fmt: skip
    for url in (reverse("blog:feed"), reverse("blog:atom-feed")):
        root, text = parse_xml(client, url)
        assert clean(text)
        assert title in text and f"{FLAG} item" in html.unescape(text)


# 4. Bidi isolation --------------------------------------------------------------------------


def test_a_right_to_left_override_stays_inside_the_name_and_the_text(client, digest, editor_client):
    stored_raw(digest, "\u202eAda", "\u202eWords")
    comment = DigestComment.objects.get()
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "<bdi>\u202eAda</bdi>" in page
    assert '<div class="comment__body" dir="auto"><p>\u202eWords</p></div>' in page
    reply = client.get(f"{digest.get_absolute_url()}?replytocom={comment.pk}").content.decode()
    assert "Reply to <bdi>\u202eAda</bdi>" in reply
    listing = editor_client.get(f"{CHANGELIST}?state=all").content.decode()
    assert "<bdi>\u202eAda</bdi>" in listing and "<bdi>\u202eWords</bdi>" in listing
    change = reverse("admin:comments_digestcomment_change", args=[comment.pk])
    assert '<div class="comment-preview" dir="auto">' in editor_client.get(change).content.decode()


# 5. Grapheme clusters -----------------------------------------------------------------------


@pytest.mark.parametrize("cluster", [FAMILY, FLAG, THUMB, Q_ACUTE])
def test_excerpts_never_cut_a_grapheme_cluster(cluster):
    text = "x" * 8 + cluster + "tail"
    assert shorten(text, 8 + len(cluster) - 1 + 1) == "x" * 8 + "…"
    assert shorten(text, 8 + len(cluster) + 1) == "x" * 8 + cluster + "…"


def test_the_admin_list_and_the_comment_title_keep_whole_emoji(digest, editor_client):
    stored_raw(digest, "Ada", "x" * 75 + FAMILY + "y" * 10)
    listing = editor_client.get(f"{CHANGELIST}?state=all").content.decode()
    assert "<bdi>" + "x" * 75 + "…</bdi>" in listing  # not the man and woman without the girl
    comment = DigestComment.objects.get()
    comment.comment = "z" * 48 + FLAG + "more"
    assert str(comment) == "Ada: " + "z" * 48 + "…"  # not half a flag
    assert avatars.initials(f"{Q_ACUTE}uinn Zed") == f"{Q_ACUTE.upper()}Z"


def test_mails_cut_on_grapheme_boundaries(client, digest, sent_mail):
    post_comment(client, digest, comment="x" * 498 + FLAG + "tail")
    body = sent_mail()[0].body
    assert "x" * 498 + "…" in body and "\U0001f1eb" not in body


# 6. Websites for moderators -------------------------------------------------------------


def test_moderators_see_the_website_host_in_punycode_without_credentials(digest, editor_client):
    stored_raw(digest, "Homograph", "Hi", user_url="https://\u0430pple.com/page")
    stored_raw(digest, "Old", "Hi again", user_url="https://ada:secret@example.com/")
    listing = editor_client.get(f"{CHANGELIST}?state=all").content.decode()
    assert 'href="https://xn--pple-43d.com/page"' in listing
    assert "secret" not in listing and 'href="https://example.com/"' in listing
    homograph = DigestComment.objects.get(user_name="Homograph")
    change = reverse("admin:comments_digestcomment_change", args=[homograph.pk])
    assert "https://xn--pple-43d.com/page" in editor_client.get(change).content.decode()


# End to end ------------------------------------------------------------------------------------


def test_a_round_of_hostile_comments_leaves_every_output_readable(
    client, digest, editor_client, mailoutbox, sent_mail, settings, tmp_path
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    category = factories.make_category("Science")
    digest.categories.set([category])
    refused = [
        {"name": "\u200b\u200d"},
        {"comment": "NUL\x00here"},
        {"url": "https://ada:secret@example.com/"},
        {"reply_to": "9" * 30},
        {"object_pk": "9" * 30},
    ]
    for fields in refused:
        response = post_comment(client, digest, **fields)
        assert response.status_code in {400, 404}, fields
    accepted = [
        {"name": f"Ada{HOSTILE}Reader", "comment": f"Every control{HOSTILE}and more"},
        {"name": "\u202eRTL override", "comment": f"Bidi {BIDI} text"},
        {"name": f"Emoji {FAMILY}", "comment": "x" * 75 + FAMILY + FLAG + THUMB + Q_ACUTE},
        {"name": "Homograph", "comment": "Visit", "url": "https://\u0430pple.com/"},
        {"name": "Linker", "comment": '<a href="\x01java\x03script:alert(1)">x</a> &#1;'},
    ]
    for n, fields in enumerate(accepted):
        mailoutbox.clear()
        response = post_comment(client, digest, email=f"guest{n}@example.com", **fields)
        assert response.status_code == 302, fields
        post_after_commit(client, confirmation_link(sent_mail()[0]))
    held = DigestComment.objects.filter(state=State.HELD)
    assert held.count() == len(accepted)
    with TestCase.captureOnCommitCallbacks(execute=True):
        data = {"action": "approve", "_selected_action": [c.pk for c in held]}
        editor_client.post(f"{CHANGELIST}?state=all", data)
    assert DigestComment.objects.filter(state=State.PUBLIC).count() == len(accepted)
    DigestComment.objects.update(submit_date=timezone.now() - timedelta(hours=1))

    page, _, texts = every_output(client, digest, tmp_path)
    assert clean(page) and "<bdi>\u202eRTL override</bdi>" in page
    assert "javascript" not in page
    for text in texts:
        assert clean(text)
    comment_feed = " ".join(html.unescape(texts[3]).split())
    for name in ("Ada Reader", "\u202eRTL override", f"Emoji {FAMILY}", "Homograph", "Linker"):
        assert f"<title>{name} on {digest.title}</title>" in comment_feed, name
    listing = editor_client.get(f"{CHANGELIST}?state=all")
    assert listing.status_code == 200
    assert "xn--pple-43d.com" in listing.content.decode()
    assert all(clean(row.comment + row.user_name) for row in DigestComment.objects.all())
