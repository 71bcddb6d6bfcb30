"""What real clients send to the comment forms: each class refused with a message (nothing
typed is lost) or stored clean by blog.text's rules."""

import html
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from blog.models import Digest
from blog.sanitize import clean_author_html, render_comment_text
from blog.text import MAX_ID, NUL_MESSAGE, normalise, parse_id
from comments.forms import REPLY_GONE, DigestCommentForm
from comments.models import DigestComment
from comments.websites import CREDENTIALS_MESSAGE
from tests import factories
from tests.comment_helpers import approved_author, form_data, post_comment
from tests.text_helpers import BIDI, C0, CONTROLS, NONCHARACTERS, Q_ACUTE, clean

pytestmark = pytest.mark.django_db

BIG = "9" * 30


@pytest.fixture(autouse=True)
def quick_posting(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0


def page(response):
    return html.unescape(response.content.decode())


# 1. Control characters, noncharacters, separators, NUL, surrogates ---------------------------


def test_every_control_and_noncharacter_is_dropped_from_a_posted_comment(client, digest):
    approved_author()
    name = f"Ada{CONTROLS}{NONCHARACTERS} Reader"
    text = f"Line one{CONTROLS}\u2028Line two\u2029Line three{NONCHARACTERS}"
    response = post_comment(client, digest, name=name, comment=text)
    assert response.status_code == 302
    comment = DigestComment.objects.get()
    assert " ".join(comment.user_name.split()) == "Ada Reader"
    assert clean(comment.user_name) and "\n" not in comment.user_name
    # Multi-line text keeps tab, line feed and carriage return; the separators are newlines.
    assert comment.comment == "Line one\t\n\r\nLine two\nLine three"
    assert clean(comment.comment_html) and "Line three" in comment.comment_html
    assert clean(client.get(digest.get_absolute_url()).content.decode())


def test_the_sanitiser_never_gives_back_a_control_even_from_character_references():
    references = "".join(f"&#{n};" for n in [*range(1, 32), 127, *range(0x80, 0xA0)])
    references += "&#xFFFE;&#xFFFF;&#xFDD0;&#x1FFFF;&#0;"
    for render in (render_comment_text, clean_author_html):
        out = render(f"<p>Before{references}{C0}\x7f{NONCHARACTERS}after</p>")
        assert clean(out) and "\x00" not in out and "Before" in out and "after" in out


def test_a_link_with_controls_in_its_address_is_served_without_them(client, digest):
    approved_author()
    text = '<a href="\x01java\x03script:alert(1)">one</a> <a href="&#1;javascript:alert(2)">two</a>'
    post_comment(client, digest, comment=text)
    body = DigestComment.objects.get().comment_html
    assert clean(body) and "href" not in body and "script" not in body
    served = client.get(digest.get_absolute_url()).content.decode()
    assert "\x01" not in served and "javascript:" not in served


def test_nul_is_refused_with_a_message_and_everything_typed_comes_back(client, digest):
    approved_author()
    response = post_comment(client, digest, comment="Before\x00after the NUL.")
    assert response.status_code == 400
    shown = page(response)
    assert NUL_MESSAGE in shown
    assert "Before" in shown and "after the NUL." in shown
    assert 'value="Ada Reader"' in shown
    response = post_comment(client, digest, name="Ada\x00")
    assert response.status_code == 400 and NUL_MESSAGE in page(response)
    assert not DigestComment.objects.exists()


def test_nul_in_an_edit_or_a_subscription_is_refused_with_the_message(client, digest):
    approved_author()
    post_comment(client, digest, comment="First words.")
    comment = DigestComment.objects.get()
    url = reverse("comments:edit", args=[comment.pk])
    response = client.post(url, {"comment": "New\x00words"})
    assert response.status_code == 400 and NUL_MESSAGE in page(response)
    assert "New" in page(response)
    assert DigestComment.objects.get().comment == "First words."
    response = client.post(
        reverse("comments:subscribe"), {"digest": digest.pk, "email": "ada\x00@example.com"}
    )
    assert response.status_code == 400 and NUL_MESSAGE in page(response)


def test_lone_surrogates_are_replaced_where_an_api_can_carry_them(digest):
    # A form posted by a browser can't carry them (Django decodes invalid UTF-8 as U+FFFD);
    # a str built from JSON ("\ud800") can, and is what the form API takes.
    data = form_data(digest, name="Ada\ud800", comment="one\udfff two \ud83d\ude00")
    form = DigestCommentForm(digest, data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Ada\ufffd"
    assert form.cleaned_data["comment"] == "one\ufffd two \U0001f600"
    form.cleaned_data["comment"].encode("utf-8")  # storable


def test_text_is_stored_composed_and_bidi_controls_are_kept_as_written(client, digest):
    approved_author()
    post_comment(client, digest, name="Zoe\u0308 Reader", comment=f"Cafe\u0301 {Q_ACUTE} {BIDI}!")
    comment = DigestComment.objects.get()
    assert comment.user_name == "Zo\u00eb Reader"
    assert comment.comment == f"Caf\u00e9 {Q_ACUTE} {BIDI}!"  # right-to-left writers need them


def test_a_search_with_nul_and_controls_answers_with_results(client):
    factories.make_digest("Quantum physics")
    # PostgreSQL refuses a NUL in a query string parameter: this was a 500 there.
    response = client.get(reverse("blog:search"), {"q": "quan\x00tum\x01 physics"})
    assert response.status_code == 200
    assert "Quantum physics" in page(response)


def test_separators_become_spaces_in_one_line_text():
    assert normalise("a\u2028b\u2029c\td\ne\rf") == "a b c d e f"
    assert normalise("a\u2028b", multiline=True) == "a\nb"
    assert normalise("a\x00b", drop_nul=True) == "ab"


# 2. Integers from strangers ------------------------------------------------------------------


@pytest.mark.parametrize("reply_to", [BIG, str(MAX_ID + 1), "-5", "\u0661", "1e3"])
def test_a_reply_to_out_of_range_is_a_clear_400_with_the_text_kept(client, digest, reply_to):
    approved_author()
    response = post_comment(client, digest, reply_to=reply_to, comment="My kept reply.")
    assert response.status_code == 400
    assert REPLY_GONE in page(response) and "My kept reply." in page(response)
    assert not DigestComment.objects.exists()


def test_ids_out_of_range_in_forms_and_addresses_answer_404(client, digest):
    raising = Client(raise_request_exception=False)
    data = form_data(digest, object_pk=BIG)
    assert raising.post(reverse("comments:post"), data).status_code == 404
    data = {"digest": BIG, "email": "ada@example.com"}
    assert raising.post(reverse("comments:subscribe"), data).status_code == 404
    for path in (f"/comments/{BIG}/edit/", f"/comments/{BIG}/delete/", f"/preview/{BIG}/"):
        assert raising.get(path).status_code == 404, path
    assert raising.get(f"{digest.get_absolute_url()}?replytocom={BIG}").status_code == 200


def test_one_rule_for_ids():
    assert [parse_id(v) for v in ("7", " 12 ", str(MAX_ID))] == [7, 12, MAX_ID]
    refused = ["0", "-1", "+3", "1_000", "\u0661", "1e3", str(MAX_ID + 1), BIG, "", None]
    assert [parse_id(v) for v in refused] == [None] * len(refused)


# 3. Names with nothing to show -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["\u200b", "\u200b\u200d\u2060\ufeff", "\u202e\u2066\u200f", "\u3164\u115f", "\u2800\u2800",
     "\u034f\ufe0f", "\u00ad", "\u0301\u0302"],
)  # fmt: skip
def test_a_name_of_invisible_characters_is_refused(client, digest, name):
    response = post_comment(client, digest, name=name, comment="Words to keep.")
    assert response.status_code == 400
    assert "Give a name we can show" in page(response) and "Words to keep." in page(response)
    assert not DigestComment.objects.exists()


def test_a_comment_of_invisible_characters_is_refused_and_emoji_names_are_fine(client, digest):
    response = post_comment(client, digest, comment="\u200b\u200d \u2060")
    assert response.status_code == 400 and "Write something before sending" in page(response)
    approved_author()
    assert post_comment(client, digest, name="\U0001f469\u200d\U0001f4bb").status_code == 302


# 6. Websites ----------------------------------------------------------------------------


def test_a_website_with_credentials_is_refused_with_a_message(client, digest):
    approved_author()
    url = "https://ada:secret@example.com/blog"
    response = post_comment(client, digest, url=url, comment="Kept words.")
    assert response.status_code == 400
    assert CREDENTIALS_MESSAGE in page(response)
    assert url in page(response) and "Kept words." in page(response)
    assert not DigestComment.objects.exists()


def test_without_credentials_the_website_is_stored(client, digest):
    approved_author()
    assert post_comment(client, digest, url="https://example.com/a@b").status_code == 302
    assert DigestComment.objects.get().user_url == "https://example.com/a@b"


def test_a_signed_in_reader_posts_hostile_text_through_the_same_rules(client):
    digest = factories.make_digest("Signed in")
    user = get_user_model().objects.create_user("reader", "reader@example.com", "x" * 12)
    client.force_login(user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("comments:post"), form_data(digest, comment="Hi\x01 there\ufffe")
        )
    assert response.status_code == 302
    assert DigestComment.objects.get().comment == "Hi there"


# The WordPress importer: no form, so NUL is dropped rather than refused -----------------------

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title><![CDATA[Title\x85 with\u2028C1\ufdd0 and&#x1; parts]]></title>
<link>https://old.example/?p=1</link><guid isPermaLink="false">https://old.example/?p=1</guid>
<content:encoded><![CDATA[<p>Body &#1; text\x9f.</p>]]></content:encoded>
<wp:post_id>1</wp:post_id><wp:post_date_gmt>2020-01-01 10:00:00</wp:post_date_gmt>
<wp:post_name>hostile</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:postmeta><wp:meta_key>_digest</wp:meta_key><wp:meta_value><![CDATA[META]]></wp:meta_value>
</wp:postmeta>
<wp:comment><wp:comment_id>1</wp:comment_id>
<wp:comment_author><![CDATA[Old\x85 &#x1;Reader\u2028]]></wp:comment_author>
<wp:comment_author_email>old@example.com</wp:comment_author_email>
<wp:comment_author_url>https://old:secret@old.example/</wp:comment_author_url>
<wp:comment_date_gmt>2020-01-02 10:00:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[Kept\x9f words\u2028next\ufdd0 &#1;line]]></wp:comment_content>
<wp:comment_approved>1</wp:comment_approved></wp:comment>
</item></channel></rss>
"""


def test_the_importer_stores_clean_titles_names_addresses_and_text(tmp_path, client):
    from wxr.posts import DIGEST_META

    meta = json.dumps(
        {
            "version": 1,
            "intro": "Intro\u0000 with NUL\u0001.",
            "items": [{"kind": "link", "title": "Item\u0000\u0001", "url": "https://example.org/"}],
        }
    )
    path = tmp_path / "hostile.xml"
    path.write_text(WXR.replace("_digest", DIGEST_META).replace("META", meta), "utf-8")
    call_command("import_wxr", str(path), "--no-progress", stdout=io.StringIO())
    digest = Digest.objects.get()
    assert digest.title == "Title with C1 and parts"
    assert digest.intro == "Intro with NUL." and digest.media_items.get().title == "Item"
    comment = DigestComment.objects.get()
    assert comment.user_name == "Old Reader"
    assert comment.user_url == "https://old.example/"
    assert comment.comment == "Kept words\nnext &#1;line"  # the text as WordPress had it
    assert clean(comment.comment_html) and "next line" in comment.comment_html
    assert client.get(digest.get_absolute_url()).status_code == 200
