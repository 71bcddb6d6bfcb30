"""Two instances of the blog on two loopback ports, each a real gunicorn with a database
of its own (SQLite; PostgreSQL when the suite runs on it) and its own worker: publishing
a digest on one that links to a digest on the other sends a webmention there, which the
other verifies, holds, and shows under its digest once an editor approves it in the
admin."""

import contextlib
import json
import os
import re
import shutil

import pytest
import requests

from tests.ops_helpers import Gunicorn, base_env, manage, migrated_postgres

EDITOR = ("editor", "correct horse battery")

RECEIVER_SETUP = """
from blog.models import Digest
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser("editor", "editor@example.com", "correct horse battery")
d = Digest.objects.create(title="The receiving digest", slug="receiving", status="published")
print(d.get_absolute_url())
"""

SENDER_PUBLISH = """
from blog.models import Digest, MediaItem
d = Digest.objects.create(title="The sending digest", slug="sending", intro="Look.")
MediaItem.objects.create(digest=d, kind="link", title="A fine digest", url="{target}")
d.status = "published"
d.save()
print(d.get_absolute_url())
"""

SENT = """
import json
from mentions.models import SentMention
print(json.dumps([[s.target, s.status, s.status_code] for s in SentMention.objects.all()]))
"""


class Instance:
    """One blog: a migrated database of its own, gunicorn and its worker."""

    def __init__(self, name, database_url, folder):
        self.database_url = database_url
        self.folder = folder
        self.name = name
        self.server = Gunicorn({}, folder, name=name)  # its free port, chosen now

    def env(self, allowed_port):
        """Production-like, plain HTTP; the other instance's port is the one loopback
        address its fetcher may reach."""
        return base_env(
            DJANGO_PRODUCTION="0",
            DATABASE_URL=self.database_url,
            DJANGO_MEDIA_ROOT=self.folder / f"{self.name}-media",
            FETCH_ALLOWED_PRIVATE=f"127.0.0.1:{allowed_port}",
            WEB_CONCURRENCY="1",
            WEBMENTION_SEND="1",
            DJANGO_SITE_DOMAIN=f"127.0.0.1:{self.server.port}",
        )

    @property
    def url(self):
        return self.server.url

    def run(self, *args):
        return manage(*args, env=self.server.env).stdout.strip()

    def work(self):
        """Run every due task (db_worker --batch), as the worker process would."""
        self.run("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--no-reload")

    def stop(self):
        self.server.stop()


@pytest.fixture
def databases(tmp_path):
    """Two migrated databases: PostgreSQL ones when the suite runs on PostgreSQL, else
    copies of one migrated SQLite file."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        with contextlib.ExitStack() as stack:
            yield [stack.enter_context(migrated_postgres("digestblog_wm")) for _ in range(2)]
        return
    template = tmp_path / "migrated.sqlite3"
    manage("migrate", "--noinput", "-v", "0", env=base_env(DATABASE_URL=f"sqlite:///{template}"))
    copies = [tmp_path / "receiver.sqlite3", tmp_path / "sender.sqlite3"]
    for copy in copies:
        shutil.copy(template, copy)
    yield [f"sqlite:///{copy}" for copy in copies]


def admin_approve(base, model_path, pk):
    """Log in to the admin as the editor and approve the mention, as an editor would."""
    session = requests.Session()
    login = session.get(f"{base}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
    session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": EDITOR[0], "password": EDITOR[1]},
        timeout=10,
    )
    listing = session.get(f"{base}/admin/{model_path}/", timeout=10)
    assert listing.status_code == 200, listing.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing.text)[1]
    done = session.post(
        f"{base}/admin/{model_path}/",
        data={"csrfmiddlewaretoken": token, "action": "approve", "_selected_action": [pk]},
        timeout=10,
    )
    assert "1 mention is now: Public." in done.text


def test_a_webmention_round_trip_between_two_blogs(databases, tmp_path):
    receiver = Instance("receiver", databases[0], tmp_path)
    sender = Instance("sender", databases[1], tmp_path)
    try:
        receiver.server.env = receiver.env(allowed_port=sender.server.port)
        sender.server.env = sender.env(allowed_port=receiver.server.port)
        for instance in (receiver, sender):
            # migrate stores DJANGO_SITE_DOMAIN in the Sites row, as on a deployment.
            instance.run("migrate", "--noinput", "-v", "0")
            instance.server.start()
        path = receiver.run("shell", "-c", RECEIVER_SETUP).splitlines()[-1]
        target = f"{receiver.url}{path}"
        page = requests.get(target, timeout=10)
        assert page.links["webmention"]["url"] == f"{receiver.url}/webmention/"

        source_path = sender.run("shell", "-c", SENDER_PUBLISH.format(target=target))
        source = f"{sender.url}{source_path.splitlines()[-1]}"
        sender.work()  # discovers the receiver's endpoint and posts to it
        assert json.loads(sender.run("shell", "-c", SENT).splitlines()[-1]) == [
            [target, "sent", 202]
        ]
        assert "The sending digest" not in requests.get(target, timeout=10).text

        receiver.work()  # fetches the sender's page: it links to the digest
        pk = receiver.run(
            "shell", "-c", "from mentions.models import Mention; m = Mention.objects.get(); "
            "print(m.pk, m.state, m.source)",
        ).splitlines()[-1].split()  # fmt: skip
        assert pk[1:] == ["held", source]
        assert "The sending digest" not in requests.get(target, timeout=10).text

        admin_approve(receiver.url, "mentions/mention", pk[0])
        html = requests.get(target, timeout=10).text
        assert '<h2 id="mentions-title">Mentions</h2>' in html
        assert f'<a href="{source}" rel="nofollow ugc noopener"><bdi>The sending digest' in html
    finally:
        receiver.stop()
        sender.stop()
