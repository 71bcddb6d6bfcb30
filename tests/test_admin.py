"""The editor's admin: digests with sortable items, related links as text, uploads kept."""

import io
import os
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog.forms import parse_related_links
from blog.models import Digest, MediaItem, RelatedLink
from blog.pending import PENDING_PREFIX, PENDING_SALT, purge_pending_uploads, stash_upload
from tests import factories

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:blog_digest_add")
CHANGELIST_URL = reverse("admin:blog_digest_changelist")
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def change_url(digest):
    return reverse("admin:blog_digest_change", args=[digest.pk])


def item_fields(**fields):
    """One inline item as the browser posts it (unticked checkboxes are absent)."""
    return {
        "id": "",
        "position": "0",
        "kind": "video",
        "title": "",
        "source": "",
        "description": "",
        "url": "",
        "alt_text": "",
        "caption": "",
        "credit": "",
        "related_links": "",
        "pending_image": "",
        **fields,
    }


def digest_post(items, initial_forms=0, **fields):
    """The add/change form's POST: the digest's fields, then the items' management form."""
    data = {
        "title": "Minds and machines",
        "slug": "minds-and-machines",
        "intro": "This week: **consciousness**.",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "author": "",
        "allow_comments": "on",
        "cover_alt": "",
        "media_items-TOTAL_FORMS": str(len(items)),
        "media_items-INITIAL_FORMS": str(initial_forms),
        "media_items-MIN_NUM_FORMS": "0",
        "media_items-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **fields,
    }
    for index, item in enumerate(items):
        for name, value in item_fields(**item).items():
            data[f"media_items-{index}-{name}"] = value
    return data


def errors_of(response):
    """Form and inline errors of a redisplayed admin form, for assertion messages."""
    context = response.context
    return {
        "form": context["adminform"].form.errors,
        "items": [f.errors for f in context["inline_admin_formsets"][0].formset.forms],
        "non_form": context["inline_admin_formsets"][0].formset.non_form_errors(),
    }


# Changelist ------------------------------------------------------------------


def _fill(count):
    category, tag = factories.make_category(f"Cat {count}"), factories.make_tag(f"tag {count}")
    author = factories.make_editor(username=f"author{count}")
    for n in range(count):
        digest = factories.make_digest(items=3, published=n % 2 == 0, author=author)
        digest.categories.add(category)
        digest.tags.add(tag)


def test_changelist_query_count_does_not_grow_with_digests(
    editor_client, django_assert_num_queries
):
    _fill(2)
    # Session, user; one query each for the category, tag and author filters; counts
    # (filtered and total); the rows with their item counts; two for the date hierarchy.
    with django_assert_num_queries(10):
        response = editor_client.get(CHANGELIST_URL)
    assert response.status_code == 200
    _fill(8)
    with django_assert_num_queries(10):
        response = editor_client.get(CHANGELIST_URL)
    assert response.context["cl"].result_count == 10


def test_changelist_shows_status_item_count_and_preview_links(editor_client):
    public = factories.make_digest("Out now", items=2)
    draft = factories.make_digest("Still writing", published=False)
    scheduled = factories.make_digest(
        "Next week", published_at=timezone.now() + timedelta(days=7), items=1
    )
    response = editor_client.get(CHANGELIST_URL)
    html = response.content.decode()
    rows = {row.split("</th>")[0]: row for row in html.split('<th class="field-title">')[1:]}
    row = next(r for k, r in rows.items() if "Next week" in k)
    assert "Scheduled" in row
    assert reverse("blog:digest-preview", kwargs={"pk": scheduled.pk}) in row
    assert '<td class="field-item_count">1</td>' in row
    row = next(r for k, r in rows.items() if "Still writing" in k)
    assert "Draft" in row
    assert reverse("blog:digest-preview", kwargs={"pk": draft.pk}) in row
    row = next(r for k, r in rows.items() if "Out now" in k)
    assert "Published" in row
    assert '<td class="field-item_count">2</td>' in row
    assert public.get_absolute_url() in row
    assert reverse("blog:digest-preview", kwargs={"pk": public.pk}) not in row


def test_changelist_search_finds_item_text(editor_client):
    digest = factories.make_digest("Weekly picks")
    factories.make_item(digest, title="Integrated information theory")
    digest.refresh_search_text()
    factories.make_digest("Another week")
    response = editor_client.get(CHANGELIST_URL, {"q": "integrated"})
    assert list(response.context["cl"].result_list) == [digest]


# Adding a digest ---------------------------------------------------------------


def test_add_digest_with_items_sets_author_order_links_and_search_text(editor_client, editor):
    data = digest_post(
        [
            {
                "kind": "video",
                "title": "What is consciousness?",
                "source": "Max Tegmark at CBMM",
                "url": YOUTUBE,
                "related_links": "The paper | https://arxiv.org/abs/1405.0126\r\n"
                "\r\n"
                "https://example.com/notes\r\n"
                "[Slides](https://example.com/slides.pdf)",
            },
            {
                "kind": "article",
                "title": "The hard problem",
                "description": "An essay about *qualia*.",
                "url": "https://example.com/hard-problem",
            },
        ]
    )
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, errors_of(response)

    digest = Digest.objects.get(slug="minds-and-machines")
    assert digest.author == editor
    assert [i.title for i in digest.media_items.all()] == [
        "What is consciousness?",
        "The hard problem",
    ]
    video = digest.media_items.first()
    assert [(link.title, link.url) for link in video.links.all()] == [
        ("The paper", "https://arxiv.org/abs/1405.0126"),
        ("https://example.com/notes", "https://example.com/notes"),
        ("Slides", "https://example.com/slides.pdf"),
    ]
    # Search sees the items' text, saved after the digest itself.
    assert "qualia" in digest.search_text
    assert "Max Tegmark" in digest.search_text
    assert list(Digest.objects.search("qualia")) == [digest]


def test_existing_author_is_kept(editor_client):
    writer = factories.make_editor(username="writer")
    digest = factories.make_digest(published=False, author=writer)
    data = digest_post([], title="Edited", slug=digest.slug, author=str(writer.pk))
    response = editor_client.post(change_url(digest), data)
    assert response.status_code == 302, errors_of(response)
    digest.refresh_from_db()
    assert digest.author == writer
    assert digest.title == "Edited"


def test_publishing_without_a_date_sets_it_now(editor_client):
    response = editor_client.post(
        ADD_URL,
        digest_post(
            [{"kind": "link", "title": "A page", "url": "https://example.com/"}], status="published"
        ),
    )
    assert response.status_code == 302, errors_of(response)
    digest = Digest.objects.get(slug="minds-and-machines")
    assert digest.published_at is not None
    assert digest.is_public


# A bad item keeps the others ------------------------------------------------------


def test_bad_item_keeps_other_items_and_their_uploaded_image(
    editor_client, media_root, django_capture_on_commit_callbacks
):
    image_item = {
        "kind": "image",
        "title": "A photo of the lab",
        "alt_text": "Three researchers at a whiteboard",
        "image": factories.image_upload("lab.jpg"),
    }
    bad_video = {"kind": "video", "title": "Not a video", "url": "https://example.com/page"}
    response = editor_client.post(ADD_URL, digest_post([image_item, bad_video]))

    assert response.status_code == 200
    assert not Digest.objects.exists()
    errors = errors_of(response)
    assert errors["items"][0] == {}
    assert "YouTube or Vimeo" in str(errors["items"][1]["url"])
    html = response.content.decode()
    # Typed values come back, and the upload is named as kept.
    assert 'value="A photo of the lab"' in html
    assert 'value="Three researchers at a whiteboard"' in html
    assert "Kept: <strong>lab.jpg</strong>" in html
    token = response.context["inline_admin_formsets"][0].formset.forms[0]["pending_image"].value()
    assert f'name="media_items-0-pending_image" value="{token}"' in html
    stash = signing.loads(token, salt=PENDING_SALT)["path"]
    assert stash.startswith(PENDING_PREFIX)
    assert default_storage.exists(stash)

    # Second try: item 2 fixed, no file chosen again; the browser resends the hidden token.
    image_item.pop("image")
    bad_video["url"] = YOUTUBE
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            ADD_URL, digest_post([{**image_item, "pending_image": token}, bad_video])
        )
    assert response.status_code == 302, errors_of(response)

    photo, video = Digest.objects.get().media_items.all()
    assert photo.title == "A photo of the lab"
    assert photo.image.name.startswith("items/")
    assert photo.image.name.endswith(".jpg")
    assert (photo.image_width, photo.image_height) == (64, 48)
    assert (media_root / photo.image.name).read_bytes()[:2] == b"\xff\xd8"
    assert video.video.video_id == "dQw4w9WgXcQ"
    # The stash has been used up.
    assert not default_storage.exists(stash)


def test_invalid_digest_form_keeps_uploaded_image(editor_client):
    item = {
        "kind": "image",
        "title": "Photo",
        "alt_text": "A cat",
        "image": factories.image_upload("cat.png", fmt="PNG"),
    }
    response = editor_client.post(ADD_URL, digest_post([item], title=""))
    assert response.status_code == 200
    assert "title" in errors_of(response)["form"]
    assert "Kept: <strong>cat.png</strong>" in response.content.decode()


def test_kept_image_also_survives_an_error_in_its_own_item(editor_client):
    item = {"kind": "image", "title": "Photo", "image": factories.image_upload("cat.jpg")}
    response = editor_client.post(ADD_URL, digest_post([item]))
    assert response.status_code == 200
    assert "Describe the image" in str(errors_of(response)["items"][0]["alt_text"])
    token = response.context["inline_admin_formsets"][0].formset.forms[0]["pending_image"].value()

    item = {"kind": "image", "title": "Photo", "alt_text": "A cat", "pending_image": token}
    response = editor_client.post(ADD_URL, digest_post([item]))
    assert response.status_code == 302, errors_of(response)
    assert MediaItem.objects.get().image.name.startswith("items/")


def test_forged_or_tampered_upload_token_is_refused(editor_client, media_root):
    secret = media_root / "items" / "private.jpg"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(factories.image_bytes())
    unsigned = signing.dumps({"path": "items/private.jpg", "name": "x.jpg"}, salt="other")
    outside = signing.dumps({"path": "items/private.jpg", "name": "x.jpg"}, salt=PENDING_SALT)
    for token in ("items/private.jpg", unsigned, outside):
        item = {"kind": "image", "title": "Photo", "alt_text": "A cat", "pending_image": token}
        response = editor_client.post(ADD_URL, digest_post([item]))
        assert response.status_code == 200
        assert "expired" in str(errors_of(response)["items"][0]["image"])
    assert not MediaItem.objects.exists()


def test_expired_upload_token_is_refused(editor_client, settings):
    item = {"kind": "image", "title": "Photo", "image": factories.image_upload()}
    response = editor_client.post(ADD_URL, digest_post([item]))
    token = response.context["inline_admin_formsets"][0].formset.forms[0]["pending_image"].value()
    value = signing.loads(token, salt=PENDING_SALT)
    old = signing.TimestampSigner(salt=PENDING_SALT)
    old.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 2 * 86400)
    expired = old.sign_object(value)
    item = {"kind": "image", "title": "Photo", "alt_text": "A cat", "pending_image": expired}
    response = editor_client.post(ADD_URL, digest_post([item]))
    assert response.status_code == 200
    assert "expired" in str(errors_of(response)["items"][0]["image"])


def test_new_image_replaces_the_current_one_after_a_failed_save(editor_client):
    digest = factories.make_digest(published=False)
    photo = factories.make_item(
        digest, kind="image", image=factories.image_upload("old.jpg"), alt_text="Old"
    )
    other = factories.make_item(digest, kind="link", position=1, title="A page")
    existing = {"digest": str(digest.pk), "position": "1"}
    photo_fields = {**existing, "id": str(photo.pk), "kind": "image", "title": "Photo"}
    photo_fields |= {"alt_text": "New", "image": factories.image_upload("new.jpg")}
    other_fields = {**existing, "id": str(other.pk), "position": "2", "kind": "link"}
    other_fields |= {"title": "A page", "url": ""}
    data = digest_post([photo_fields, other_fields], initial_forms=2, slug=digest.slug)
    response = editor_client.post(change_url(digest), data)
    assert response.status_code == 200
    assert "needs its address" in str(errors_of(response)["items"][1]["url"])
    token = response.context["inline_admin_formsets"][0].formset.forms[0]["pending_image"].value()

    photo_fields.pop("image")
    photo_fields["pending_image"] = token
    other_fields["url"] = "https://example.com/page"
    data = digest_post([photo_fields, other_fields], initial_forms=2, slug=digest.slug)
    response = editor_client.post(change_url(digest), data)
    assert response.status_code == 302, errors_of(response)
    photo.refresh_from_db()
    assert photo.image.name.endswith("new.jpg")
    assert photo.alt_text == "New"


def test_purge_removes_only_old_stashes(media_root):
    old = signing.loads(stash_upload(factories.image_upload("old.jpg")), salt=PENDING_SALT)
    fresh = signing.loads(stash_upload(factories.image_upload("new.jpg")), salt=PENDING_SALT)
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(media_root / old["path"], (two_days_ago, two_days_ago))
    assert purge_pending_uploads() == 1
    assert not default_storage.exists(old["path"])
    assert default_storage.exists(fresh["path"])


def test_purge_command_reports_what_it_deleted(media_root):
    old = signing.loads(stash_upload(factories.image_upload("old.jpg")), salt=PENDING_SALT)
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(media_root / old["path"], (two_days_ago, two_days_ago))
    out = io.StringIO()
    call_command("purge_pending_uploads", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 abandoned upload."
    assert not default_storage.exists(old["path"])


# Related links -----------------------------------------------------------------


def test_related_links_round_trip_through_the_textarea(editor_client):
    digest = factories.make_digest(published=False)
    item = factories.make_item(digest, title="Talk", links=2)
    response = editor_client.get(change_url(digest))
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form["related_links"].value() == (
        "Paper 1 | https://arxiv.org/abs/0\nPaper 2 | https://arxiv.org/abs/1"
    )

    data = digest_post(
        [
            {
                "id": str(item.pk),
                "digest": str(digest.pk),
                "position": "1",
                "kind": "video",
                "title": "Talk",
                "url": YOUTUBE,
                "related_links": "[Paper 2](https://arxiv.org/abs/1)\r\nNew | https://example.com/new",
            }
        ],
        initial_forms=1,
        slug=digest.slug,
    )
    response = editor_client.post(change_url(digest), data)
    assert response.status_code == 302, errors_of(response)
    assert [(link.position, link.title, link.url) for link in item.links.all()] == [
        (1, "Paper 2", "https://arxiv.org/abs/1"),
        (2, "New", "https://example.com/new"),
    ]
    assert RelatedLink.objects.count() == 2


def test_bad_related_link_line_is_named_and_nothing_is_saved(editor_client):
    data = digest_post(
        [
            {
                "kind": "video",
                "title": "Talk",
                "url": YOUTUBE,
                "related_links": "Good | https://example.com/\r\nNotes | example dot com\r\n"
                "Evil | javascript:alert(1)",
            }
        ]
    )
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 200
    messages = errors_of(response)["items"][0]["related_links"]
    assert messages[0].startswith("Line 2: “Notes | example dot com” is not a link.")
    assert messages[1].startswith("Line 3: “javascript:alert(1)” is a javascript: address")
    assert "Good | https://example.com/" in response.content.decode()
    assert not Digest.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A | https://a.example/x", [("A", "https://a.example/x")]),
        ("  https://a.example/  ", [("https://a.example/", "https://a.example/")]),
        (
            "[Wiki](https://en.wikipedia.org/wiki/Qualia_(x))",
            [("Wiki", "https://en.wikipedia.org/wiki/Qualia_(x)")],
        ),
        ("Pipe | in | title | http://a.example/", [("Pipe | in | title", "http://a.example/")]),
        ("\n\n", []),
    ],
)
def test_parse_related_links_formats(text, expected):
    assert parse_related_links(text) == expected


@pytest.mark.parametrize(
    "line", ["ftp://a.example/file", "Title |", "just words", "[x](/relative)"]
)
def test_parse_related_links_refuses(line):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        parse_related_links(f"https://ok.example/\n{line}")
    assert info.value.messages[0].startswith("Line 2:")


# Change form -------------------------------------------------------------------


def test_change_form_has_preview_and_view_on_site_links(editor_client):
    digest = factories.make_digest(published=False)
    html = editor_client.get(change_url(digest)).content.decode()
    preview = reverse("blog:digest-preview", kwargs={"pk": digest.pk})
    assert f'<a href="{preview}" class="viewsitelink" id="digest-preview-link"' in html
    # "View on site" stays on this host (not the Sites framework's example.com).
    assert f'<a href="{preview}" class="viewsitelink">View on site</a>' in html


def test_inline_shows_thumbnail_of_current_image(editor_client, media_root):
    digest = factories.make_digest(published=False)
    item = factories.make_item(
        digest, kind="image", image=factories.image_upload("sky.jpg"), alt_text="Blue sky"
    )
    html = editor_client.get(change_url(digest)).content.decode()
    assert 'class="item-thumbnail"' in html
    src = html.split('class="item-thumbnail"')[0].rsplit('src="', 1)[1].split('"')[0]
    assert src.startswith("/media/")
    assert (media_root / src.removeprefix("/media/")).exists()
    assert item.image.url in html


def test_add_form_renders_sortable_items(editor_client):
    response = editor_client.get(ADD_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "adminsortable2" in html
    assert 'class="_reorder_"' in html
    assert 'name="media_items-0-related_links"' in html


def test_media_item_page_has_related_link_rows(editor_client):
    digest = factories.make_digest(published=False)
    item = factories.make_item(digest, links=2)
    response = editor_client.get(reverse("admin:blog_mediaitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert 'name="links-1-url"' in response.content.decode()
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:blog_digest_changelist") in index
    assert reverse("admin:blog_mediaitem_changelist") not in index


def test_media_item_page_saves_links_and_refreshes_search(editor_client):
    digest = factories.make_digest(published=False)
    item = factories.make_item(digest, title="Old title", links=1)
    link = item.links.get()
    data = {
        "digest": str(digest.pk),
        "kind": "video",
        "title": "Renamed talk",
        "url": YOUTUBE,
        "pending_image": "",
        "links-TOTAL_FORMS": "2",
        "links-INITIAL_FORMS": "1",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        "links-0-id": str(link.pk),
        "links-0-item": str(item.pk),
        "links-0-position": "2",
        "links-0-title": "Paper 1",
        "links-0-url": link.url,
        "links-1-id": "",
        "links-1-item": str(item.pk),
        "links-1-position": "1",
        "links-1-title": "First now",
        "links-1-url": "https://example.com/first",
        "_save": "Save",
    }
    url = reverse("admin:blog_mediaitem_change", args=[item.pk])
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [link.title for link in item.links.all()] == ["First now", "Paper 1"]
    digest.refresh_from_db()
    assert "Renamed talk" in digest.search_text


def test_category_and_tag_admin_render(editor_client):
    factories.make_category("Physics", parent=factories.make_category("Science"))
    factories.make_tag("consciousness")
    for name in ("category", "tag"):
        assert editor_client.get(reverse(f"admin:blog_{name}_changelist")).status_code == 200
        assert editor_client.get(reverse(f"admin:blog_{name}_add")).status_code == 200
