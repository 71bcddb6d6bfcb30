"""Mails, feeds and the sitemap name the address in DJANGO_SITE_DOMAIN (the Sites row that
`migrate` keeps), which `make run` and `make serve` default to where they listen."""

import html
import os
import re
import shutil
import subprocess

import pytest
from django.contrib.sites.models import Site
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from tests import factories
from tests.comment_helpers import post_comment
from tests.ops_helpers import BASE_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_port_8300(settings):
    """DJANGO_SITE_DOMAIN=127.0.0.1:8300, then what `migrate` does after migrating."""
    settings.SITE_DOMAIN = "127.0.0.1:8300"
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    yield
    Site.objects.clear_cache()


def test_migrate_keeps_the_sites_row_at_the_site_domain(on_port_8300):
    assert Site.objects.get_current().domain == "127.0.0.1:8300"


def test_the_confirmation_mail_links_to_the_site_domain(client, on_port_8300, sent_mail):
    digest = factories.make_digest()
    post_comment(client, digest, email="grace@example.com")
    [mail] = [m for m in sent_mail() if m.to == ["grace@example.com"]]
    assert re.search(r"http://127\.0\.0\.1:8300/comments/confirm/\S+/", mail.body)
    assert ":8000" not in mail.body


def test_feed_entry_links_and_their_images_name_the_same_site(client, on_port_8300):
    digest = factories.make_digest(title="Port digest")
    factories.make_item(digest, kind="image", image=factories.image_upload("dot.jpg"))

    feed = client.get(reverse("blog:feed")).content.decode()  # asked for as testserver

    [entry_link] = re.findall(r"<item><title>Port digest</title><link>([^<]+)</link>", feed)
    assert entry_link == f"http://127.0.0.1:8300{digest.get_absolute_url()}"
    content = html.unescape(feed)  # content:encoded holds the entry's HTML as text
    images = re.findall(r'<img src="([^"]+)"', content)
    assert images and all(src.startswith("http://127.0.0.1:8300/media/") for src in images)
    assert f'<a href="{entry_link}">Read “Port digest” on the site</a>' in content
    assert "testserver" not in feed


def test_the_sitemap_names_the_site_domain(client, on_port_8300):
    digest = factories.make_digest()
    sitemap = client.get(reverse("blog:sitemap")).content.decode()
    assert f"<loc>http://127.0.0.1:8300{digest.get_absolute_url()}</loc>" in sitemap


def make_environment(tmp_path, target, **env):
    """DJANGO_SITE_DOMAIN as the recipes of `make <target>` see it (they are only printed:
    make -n; the probe, a prerequisite marked +, runs)."""
    probe = tmp_path / "probe.mk"
    probe.write_text(f'{target}: probe\nprobe:\n\t+@echo "DOMAIN=[$$DJANGO_SITE_DOMAIN]"\n')
    env = {"PATH": os.environ["PATH"], **env}
    out = subprocess.run(  # noqa: S603
        [shutil.which("make"), "-n", "-f", "Makefile", "-f", str(probe), target, "PORT=8300"],
        capture_output=True, text=True, cwd=BASE_DIR, env=env, check=True,
    )  # fmt: skip
    return re.search(r"^DOMAIN=\[(.*)\]$", out.stdout, re.M).group(1)


@pytest.mark.parametrize("target", ["run", "serve"])
def test_make_run_and_serve_default_the_site_domain_to_where_they_listen(tmp_path, target):
    assert make_environment(tmp_path, target) == "127.0.0.1:8300"
    given = {"DJANGO_SITE_DOMAIN": "blog.example.com"}
    assert make_environment(tmp_path, target, **given) == "blog.example.com"


def test_make_test_leaves_the_site_domain_alone(tmp_path):
    assert make_environment(tmp_path, "test") == ""
