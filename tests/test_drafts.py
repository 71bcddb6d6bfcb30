"""Never lose work, and the smaller things: autosave, preview, revisions, the media library,
bulk actions, a new digest from another, the author shown, and the links' heading."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from blog.drafts import Autosave
from blog.models import Digest, LibraryImage, MediaItem
from tests import factories
from tests.test_admin import ADD_URL, CHANGELIST_URL, change_url, digest_post, errors_of

pytestmark = pytest.mark.django_db

AUTOSAVE_NEW = reverse("admin:blog_digest_autosave_new")
PREVIEW = reverse("admin:blog_digest_live_preview")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def autosave_url(digest):
    return reverse("admin:blog_digest_autosave", args=[digest.pk])


def stored_files(folder):
    found = []
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return found
    found += [f"{folder}/{name}" for name in files]
    for sub in folders:
        found += stored_files(f"{folder}/{sub}")
    return found


# Autosave ----------------------------------------------------------------------------


def test_autosave_keeps_the_form_and_never_touches_the_digest(editor_client, editor):
    digest = factories.make_digest("Still writing", published=False, items=1)
    reader = Client()
    before = reader.get(digest.get_absolute_url())
    data = digest_post([], title="Published by autosave?", slug=digest.slug, status="published")
    response = editor_client.post(autosave_url(digest), data)
    assert response.status_code == 200
    assert "Autosaved at" in response.json()["status"]
    autosave = Autosave.objects.get(user=editor, digest=digest)
    assert ["title", "Published by autosave?"] in autosave.data
    assert ["status", "published"] in autosave.data
    assert not any(name == "csrfmiddlewaretoken" for name, _ in autosave.data)

    digest.refresh_from_db()
    assert digest.title == "Still writing"
    assert digest.status == Digest.Status.DRAFT
    assert digest.media_items.count() == 1
    assert not Version.objects.get_for_object(digest).exists()
    # Readers: the draft is still not there, and the home page does not list it.
    assert reader.get(digest.get_absolute_url()).status_code == before.status_code == 404
    assert "Published by autosave?" not in reader.get("/").content.decode()


def test_autosave_of_an_image_stores_it_in_the_library_once(editor_client, editor):
    upload = factories.image_upload("dawn.jpg")
    data = digest_post([{"kind": "image", "title": "Dawn"}], **{"media_items-0-image": upload})
    answer = editor_client.post(AUTOSAVE_NEW, data).json()
    stored = LibraryImage.objects.get()
    assert answer["images"]["media_items-0-image"]["id"] == stored.pk
    autosave = Autosave.objects.get(user=editor, digest=None)
    assert ["media_items-0-library_image", str(stored.pk)] in autosave.data
    # Autosaved again with the same file: still one file.
    data["media_items-0-image"] = factories.image_upload("dawn-again.jpg")
    editor_client.post(AUTOSAVE_NEW, data)
    assert LibraryImage.objects.count() == 1
    assert len(stored_files("items")) == 1
    assert not Digest.objects.exists()


def test_autosave_refuses_what_is_not_an_image(editor_client):
    fake = factories.image_upload("x.jpg")
    fake.file.seek(0)
    fake.file.write(b"<svg onload=alert(1)>")
    fake.file.seek(0)
    data = digest_post([{"kind": "image", "title": "X"}], **{"media_items-0-image": fake})
    answer = editor_client.post(AUTOSAVE_NEW, data).json()
    assert "SVG or HTML" in answer["errors"]["media_items-0-image"]
    assert not LibraryImage.objects.exists()


def test_the_form_offers_a_newer_autosave_and_saving_forgets_it(editor_client, editor):
    digest = factories.make_digest("Draft", published=False)
    editor_client.post(autosave_url(digest), digest_post([], title="Draft, longer"))
    html = editor_client.get(change_url(digest)).content.decode()
    assert "Restore autosaved version?" in html
    assert "Draft, longer" in html  # in the autosave's data for the script
    response = editor_client.post(change_url(digest), digest_post([], slug=digest.slug))
    assert response.status_code == 302, errors_of(response)
    assert not Autosave.objects.exists()
    assert (
        "Restore autosaved version?" not in editor_client.get(change_url(digest)).content.decode()
    )


def test_an_autosave_older_than_the_digest_is_not_offered(editor_client, editor):
    digest = factories.make_digest("Draft", published=False)
    editor_client.post(autosave_url(digest), digest_post([], title="Old idea"))
    Autosave.objects.update(saved_at=timezone.now() - timedelta(hours=1))
    assert (
        "Restore autosaved version?" not in editor_client.get(change_url(digest)).content.decode()
    )


def test_a_new_digest_autosave_is_offered_on_the_add_form_and_can_be_discarded(editor_client):
    editor_client.post(AUTOSAVE_NEW, digest_post([], title="Half an idea"))
    assert "Restore autosaved version?" in editor_client.get(ADD_URL).content.decode()
    editor_client.post(AUTOSAVE_NEW, {"_discard": "1"})
    assert not Autosave.objects.exists()
    assert "Restore autosaved version?" not in editor_client.get(ADD_URL).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_autosave_and_preview_refuse_non_staff(client, who):
    digest = factories.make_digest("Draft", published=False)
    if who == "reader":
        reader = get_user_model().objects.create_user("reader", password="pw")
        client.force_login(reader)
    data = digest_post([], title="Sneaky <script>", slug="sneaky")
    for url in (autosave_url(digest), AUTOSAVE_NEW, PREVIEW):
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not Autosave.objects.exists()
    assert not Digest.objects.filter(slug="sneaky").exists()


def test_autosave_and_preview_need_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    for url in (AUTOSAVE_NEW, PREVIEW):
        assert client.post(url, digest_post([])).status_code == 403
    assert not Autosave.objects.exists()


# Live preview ------------------------------------------------------------------------


def test_preview_renders_the_unsaved_form_as_readers_would_see_it(editor_client):
    data = digest_post(
        [
            {
                "kind": "article",
                "title": "The hard problem",
                "url": "https://example.com/hard",
                "description": "Why <script>alert(1)</script>*qualia*?",
                "links_heading": "Two papers:",
                "related_links": "Paper one | https://arxiv.org/abs/1",
            }
        ],
        intro="This week: **minds** <img src=x onerror=alert(1)>",
    )
    response = editor_client.post(PREVIEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>minds</strong>" in html
    assert "<em>qualia</em>" in html
    assert "<script>alert" not in html and "onerror" not in html
    assert "The hard problem" in html and "readers cannot see it yet" in html
    assert re.search(r"Two papers:</p>\s*<ul class=\"related-links\"", html)
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not Digest.objects.exists()  # nothing was stored
    assert not MediaItem.objects.exists()


def test_preview_of_a_saved_digest_changes_nothing(editor_client):
    client = Client()
    digest = factories.make_digest("Out now", items=2)
    page = client.get(digest.get_absolute_url()).content.decode()
    data = digest_post([], title="Rewritten", slug=digest.slug, status="published")
    data["_digest_id"] = str(digest.pk)
    html = editor_client.post(PREVIEW, data).content.decode()
    assert "Rewritten" in html
    digest.refresh_from_db()
    assert digest.title == "Out now" and digest.media_items.count() == 2
    again = client.get(digest.get_absolute_url()).content.decode()
    tokens = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert tokens.sub("", again) == tokens.sub("", page)
    assert "Rewritten" not in again


# Revisions ---------------------------------------------------------------------------


def saved_twice(editor_client):
    data = digest_post([{"kind": "article", "title": "First take", "url": "https://example.com/1"}])
    assert editor_client.post(ADD_URL, data).status_code == 302
    digest = Digest.objects.get()
    item = digest.media_items.get()
    data = digest_post(
        [
            {"id": str(item.pk), "kind": "article", "title": "Second take",
             "url": "https://example.com/1", "related_links": "Notes | https://example.com/n"},
            {"kind": "link", "title": "Added later", "url": "https://example.com/2"},
        ],
        initial_forms=1, slug=digest.slug, title="Minds, revised",
    )  # fmt: skip
    data["media_items-0-digest"] = str(digest.pk)
    response = editor_client.post(change_url(digest), data)
    assert response.status_code == 302, errors_of(response)
    return digest


def test_every_save_keeps_a_version_and_the_compare_page_shows_each_item(editor_client):
    digest = saved_twice(editor_client)
    versions = list(Version.objects.get_for_object(digest).order_by("pk"))
    assert len(versions) == 2
    history = editor_client.get(reverse("admin:blog_digest_history", args=[digest.pk]))
    assert "Compare the chosen versions" in history.content.decode()
    url = reverse("admin:blog_digest_compare", args=[digest.pk])
    html = editor_client.get(url, {"a": versions[1].pk, "b": versions[0].pk}).content.decode()
    assert "<del>Minds and machines</del>" in html or "<del>and machines</del>" in html
    assert "<ins>Second</ins>" in html and "<del>First</del>" in html
    assert "Added later" in html and "added" in html
    assert "Notes | https://example.com/n" in html


def test_restoring_an_older_version_brings_back_its_items(editor_client):
    digest = saved_twice(editor_client)
    first = Version.objects.get_for_object(digest).order_by("pk").first()
    url = reverse("admin:blog_digest_revision", args=[digest.pk, first.pk])
    form = editor_client.get(url)
    assert form.status_code == 200
    assert Digest.objects.get().title == "Minds, revised"  # showing it restores nothing
    item = MediaItem.objects.get(title="Second take")
    data = digest_post(
        [{"id": str(item.pk), "kind": "article", "title": "First take",
          "url": "https://example.com/1"}],
        initial_forms=1, slug=digest.slug,
    )  # fmt: skip
    response = editor_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    digest.refresh_from_db()
    assert digest.title == "Minds and machines"
    assert [i.title for i in digest.media_items.all()] == ["First take"]
    assert not digest.media_items.get().links.exists()


# Media library -----------------------------------------------------------------------


def test_the_same_image_uploaded_twice_is_stored_once(editor_client):
    for n in range(2):
        upload = factories.image_upload(f"dawn-{n}.jpg")
        item = {"kind": "image", "title": f"Dawn {n}", "alt_text": "A dome at dawn"}
        data = digest_post([item], title=f"Digest {n}", slug=f"digest-{n}")
        data["media_items-0-image"] = upload
        response = editor_client.post(ADD_URL, data)
        assert response.status_code == 302, errors_of(response)
    first, second = MediaItem.objects.order_by("pk")
    assert first.image.name == second.image.name
    assert len(stored_files("items")) == 1
    library = LibraryImage.objects.get()
    assert library.file.name == first.image.name and library.name == "dawn-0.jpg"
    # A different picture is a new file.
    data = digest_post(
        [{"kind": "image", "title": "Blue", "alt_text": "Blue"}], title="Blue", slug="blue"
    )
    data["media_items-0-image"] = factories.image_upload("blue.jpg", color=(0, 0, 255))
    assert editor_client.post(ADD_URL, data).status_code == 302
    assert LibraryImage.objects.count() == 2 and len(stored_files("items")) == 2


def test_an_image_is_picked_from_the_library_for_another_item(editor_client):
    data = digest_post([{"kind": "image", "title": "Dawn", "alt_text": "A dome"}])
    data["media_items-0-image"] = factories.image_upload("dawn.jpg")
    assert editor_client.post(ADD_URL, data).status_code == 302
    library = LibraryImage.objects.get()
    page = editor_client.get(ADD_URL).content.decode()
    assert "Or pick from the library" in page and "dawn.jpg" in page
    data = digest_post(
        [{"kind": "image", "title": "Again", "alt_text": "A dome", "library_image": library.pk}],
        title="Again", slug="again",
    )  # fmt: skip
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, errors_of(response)
    item = MediaItem.objects.get(title="Again")
    assert item.image.name == library.file.name
    assert (item.image_width, item.image_height) == (64, 48)
    assert len(stored_files("items")) == 1


# Bulk actions ------------------------------------------------------------------------


def run_action(client, action, digests, **extra):
    return client.post(
        CHANGELIST_URL,
        {"action": action, "_selected_action": [d.pk for d in digests], **extra},
        follow=True,
    )


def test_publish_and_unpublish_from_the_list(editor_client):
    client = Client()
    drafts = [factories.make_digest(f"Draft {n}", published=False) for n in range(2)]
    later = factories.make_digest("Later", published_at=timezone.now() + timedelta(days=2))
    response = run_action(editor_client, "publish", [*drafts, later])
    assert "3 digests published." in response.content.decode()
    for digest in (*drafts, later):
        digest.refresh_from_db()
        assert digest.is_public
        assert client.get(digest.get_absolute_url()).status_code == 200
        assert Version.objects.get_for_object(digest).count() == 1
    response = run_action(editor_client, "unpublish", drafts)
    assert "2 digests are drafts again" in response.content.decode()
    for digest in drafts:
        digest.refresh_from_db()
        assert digest.status == Digest.Status.DRAFT
        assert client.get(digest.get_absolute_url()).status_code == 404


def test_schedule_from_the_list_asks_for_the_moment(editor_client):
    client = Client()
    digests = [factories.make_digest(f"Draft {n}", published=False) for n in range(2)]
    page = run_action(editor_client, "schedule", digests)
    assert "Publish at" in page.content.decode() and "Draft 1" in page.content.decode()
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = run_action(editor_client, "schedule", digests, apply="1", when=past)
    assert "Choose a moment in the future" in refused.content.decode()
    assert not Digest.objects.filter(status=Digest.Status.PUBLISHED).exists()
    when = timezone.localtime() + timedelta(days=1)
    response = run_action(
        editor_client, "schedule", digests, apply="1", when=when.strftime("%Y-%m-%dT%H:%M")
    )
    assert "2 digests scheduled for" in response.content.decode()
    for digest in digests:
        digest.refresh_from_db()
        assert digest.is_scheduled
        assert digest.published_at == when.replace(second=0, microsecond=0)
        assert client.get(digest.get_absolute_url()).status_code == 404


# New digest from this one, the author ----------------------------------------------


def test_new_digest_from_this_one_copies_title_pattern_intro_and_categories(editor_client):
    science, physics = factories.make_category("Science"), factories.make_category("Physics")
    source = factories.make_digest("Weekly digest #12", items=3, intro="The *usual* intro.")
    source.categories.set([science, physics])
    page = editor_client.get(change_url(source)).content.decode()
    assert f"{ADD_URL}?from={source.pk}" in page and "New digest from this one" in page
    response = editor_client.get(ADD_URL, {"from": source.pk})
    form = response.context["adminform"].form
    assert form.initial["title"] == "Weekly digest #13"
    assert form.initial["slug"] == "weekly-digest-13"
    assert form.initial["intro"] == "The *usual* intro."
    assert sorted(form.initial["categories"]) == sorted([science.pk, physics.pk])
    items = response.context["inline_admin_formsets"][0].formset
    assert items.initial_form_count() == 0


def test_the_author_is_the_editor_not_dashes(editor_client, editor):
    editor.first_name, editor.last_name = "Ada", "Lovelace"
    editor.save()
    html = editor_client.get(ADD_URL).content.decode()
    select = re.search(r'<select name="author".*?</select>', html, re.S).group(0)
    assert re.search(rf'<option value="{editor.pk}" selected>Ada Lovelace</option>', select)
    assert "---------" not in select


# The links' heading ------------------------------------------------------------------


def test_links_heading_sits_right_before_its_list(client):
    digest = factories.make_digest("Digest")
    item = factories.make_item(
        digest, links=2, description="A talk.", links_heading="Two papers described in the video:"
    )
    bare = factories.make_item(digest, links=0, links_heading="Nothing follows:")
    html = client.get(digest.get_absolute_url()).content.decode()
    assert re.search(
        rf'<p class="related-links__heading" id="{item.anchor}-links">Two papers described in '
        rf'the video:</p>\s*<ul class="related-links" aria-labelledby="{item.anchor}-links">',
        html,
    )
    assert "Nothing follows:" not in html  # a heading without links is not shown
    assert bare.anchor in html
    feed = client.get(reverse("blog:feed")).content.decode()
    assert "Two papers described in the video:&lt;/p&gt;&lt;ul&gt;" in feed


def test_links_heading_is_saved_from_the_form(editor_client):
    item = {
        "kind": "article", "title": "Long days", "url": "https://example.com/days",
        "links_heading": "More about it:", "related_links": "Solar time | https://example.com/s",
    }  # fmt: skip
    response = editor_client.post(ADD_URL, digest_post([item]))
    assert response.status_code == 302, errors_of(response)
    assert MediaItem.objects.get().links_heading == "More about it:"


def test_the_preview_leaves_nothing_in_the_fragment_cache(editor_client, settings):
    from blog import fragments

    settings.FRAGMENT_CACHE_SECONDS = 60
    rendered = []

    def render():
        rendered.append(1)
        return "menu"

    with fragments.uncached():
        fragments.shared("test-part", render)
        fragments.shared("test-part", render)
    assert len(rendered) == 2  # rendered each time, kept nowhere
    fragments.shared("test-part", render)
    fragments.shared("test-part", render)
    assert len(rendered) == 3  # outside: kept by the cache after the first rendering
    html = editor_client.post(PREVIEW, digest_post([], title="Only a preview")).content
    assert b"Only a preview" in html
    assert b"Only a preview" not in Client().get("/").content


def test_the_library_is_read_once_for_all_item_forms(editor_client, django_assert_max_num_queries):
    for n in range(3):
        data = digest_post(
            [{"kind": "image", "title": f"Picture {n}", "alt_text": "A picture"}],
            title=f"Pictures {n}", slug=f"pictures-{n}",
        )  # fmt: skip
        data["media_items-0-image"] = factories.image_upload(f"p{n}.jpg", color=(n * 60, 0, 0))
        assert editor_client.post(ADD_URL, data).status_code == 302
    digest = factories.make_digest("Many items", items=2)
    url = change_url(digest)
    editor_client.get(url)
    with django_assert_max_num_queries(40) as few:
        editor_client.get(url)
    for n in range(8):
        factories.make_item(digest, title=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = editor_client.get(url).content.decode()
    assert html.count("p2.jpg") == 12  # 10 items, the extra form and the empty template
