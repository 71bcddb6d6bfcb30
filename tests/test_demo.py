from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from blog import demo
from blog.models import Digest, MediaItem
from tests import factories

pytestmark = pytest.mark.django_db


def load_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def demo_digest():
    return Digest.objects.get(slug="connections-between-physics-and-deep-learning")


def test_load_demo_creates_the_published_digest():
    output = load_demo()

    digest = demo_digest()
    assert digest.title == "Connections between physics and deep learning"
    assert digest.intro == "These are the latest articles and videos I found most interesting."
    assert digest.is_public
    assert [c.name for c in digest.categories.all()] == ["Science"]
    assert sorted(t.name for t in digest.tags.all()) == [
        "astronomy", "deep learning", "neuroscience", "physics",
    ]  # fmt: skip
    assert "Created the demo digest" in output
    assert digest.get_absolute_url() in output
    # A newcomer's first `make run` shows nothing that looks broken.
    assert "not yet confirmed" not in output and "search" not in output.lower()


def test_demo_items_follow_the_seed_post():
    load_demo()

    items = list(demo_digest().media_items.all())
    assert [(i.position, i.title, i.source) for i in items] == [
        (0, "Connections between physics and deep learning",
         "Max Tegmark at the Center for Brains, Minds and Machines (CBMM)"),
        (1, "My Neurons, My Self", "World Science Festival"),
        (2, "Why December Has the Longest Days", "Minute Physics, written up by ScienceAlert"),
        (3, "To Scale: The Solar System", "A film by Wylie Overstreet and Alex Gorosh"),
        (4, "Brain and Mental Health", "Nucleus Medical Media"),
    ]  # fmt: skip
    for item, spec in zip(items, demo.ITEMS, strict=True):
        item.full_clean()
        assert item.description_html.startswith("<p>")
        if spec.get("youtube_id"):
            assert item.kind == MediaItem.Kind.VIDEO
            assert item.video.provider == "youtube"
            assert item.video.video_id == spec["youtube_id"]
        else:
            # Without a confirmed id, an article about the video: never a search page.
            assert item.kind == MediaItem.Kind.ARTICLE
            assert item.url == spec["article"]
            assert "search" not in item.url and "youtube" not in item.url
    assert [i.video.video_id for i in items if i.video] == [
        "5MdSE-N0bxs", "W5kikQ2tjhQ", "zR3Igc3Rhfg",
    ]  # fmt: skip


def test_demo_descriptions_are_our_own_words():
    seed_sentence = "We show how the success of deep learning depends not only on mathematics"
    load_demo()

    for item in demo_digest().media_items.all():
        sentences = item.description.split("\n\n")[0].count(". ") + 1
        assert 2 <= sentences <= 4, item.title
        assert seed_sentence not in item.description


def test_demo_poster_image_is_a_stored_jpeg_with_alt_text_and_caption(media_root):
    load_demo()

    item = demo_digest().media_items.get(title="My Neurons, My Self")
    assert item.kind == MediaItem.Kind.VIDEO
    assert (item.image_width, item.image_height) == (1600, 800)
    assert item.alt_text
    assert not item.decorative
    assert item.caption == (
        "Neural vs Galactic Networks. Brain cells on the left and "
        "Intergalactic structure of the universe on the right."
    )
    path = media_root / item.image.name
    assert path.is_file()
    assert item.image.name.startswith("items/")
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (1600, 800)
        assert "exif" not in image.info


def test_demo_image_is_the_same_every_time():
    assert demo.render_networks_image() == demo.render_networks_image()


def test_demo_related_links():
    load_demo()

    items = {i.title: i for i in demo_digest().media_items.prefetch_related("links")}
    tegmark = items["Connections between physics and deep learning"]
    assert tegmark.links_heading == "Two papers described in the video:"
    assert [(link.title, link.url) for link in tegmark.links.all()] == [
        ("Why does deep and cheap learning work so well?", "https://arxiv.org/abs/1608.08225"),
        ("The power of deeper networks for expressing natural functions",
         "https://arxiv.org/abs/1705.05502"),
    ]  # fmt: skip
    december = items["Why December Has the Longest Days"]
    assert december.links_heading == "Here's some more info about:"
    assert [link.title for link in december.links.all()] == [
        "Equation of time", "Solar time", "Perihelion and aphelion",
    ]  # fmt: skip
    assert all(
        link.url.startswith("https://en.wikipedia.org/wiki/") for link in december.links.all()
    )


def test_demo_is_searchable():
    load_demo()

    digest = demo_digest()
    assert "To Scale: The Solar System" in digest.search_text
    assert "Minute Physics" in digest.search_text
    assert list(Digest.objects.published().search("solar system")) == [digest]


def test_demo_creates_no_user_who_can_log_in():
    from django.contrib.auth import get_user_model

    load_demo()

    author = demo_digest().author
    assert author is None or not author.has_usable_password()
    assert not any(user.has_usable_password() for user in get_user_model().objects.all())


def test_if_empty_leaves_an_existing_database_alone():
    existing = factories.make_digest("A digest someone wrote")

    output = load_demo("--if-empty")

    assert list(Digest.objects.all()) == [existing]
    assert not MediaItem.objects.exists()
    assert "no demo loaded" in output


def test_if_empty_loads_the_demo_into_an_empty_database():
    load_demo("--if-empty")

    assert Digest.objects.count() == 1
    assert demo_digest().media_items.count() == 5


def test_second_run_replaces_rather_than_duplicates(media_root):
    load_demo()
    first_image = demo_digest().media_items.get(position=1).image.name

    output = load_demo()

    assert "Replaced the demo digest" in output
    assert Digest.objects.count() == 1
    assert MediaItem.objects.count() == 5
    assert demo_digest().media_items.get(position=0).links.count() == 2
    # The earlier poster file is removed with the digest it belonged to.
    new_image = demo_digest().media_items.get(position=1).image.name
    assert new_image != first_image
    assert (media_root / new_image).is_file()


@pytest.mark.django_db(transaction=True)
def test_replaced_poster_file_is_deleted(media_root):
    # on_commit callbacks run only when a real commit happens.
    load_demo()
    first_image = demo_digest().media_items.get(position=1).image.name

    load_demo()

    assert not (media_root / first_image).exists()


def test_demo_digest_page_renders(client):
    load_demo()

    response = client.get(demo_digest().get_absolute_url())

    assert response.status_code == 200
    assert b"My Neurons, My Self" in response.content
