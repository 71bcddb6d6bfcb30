"""Following in Debian's chromium against the real thing: gunicorn, a `manage.py db_worker`
process and an SMTP sink on loopback. A guest follows and confirms through the mailed
link; an editor publishes; the worker delivers; the follower views it in the browser and
unsubscribes in one click."""

import re
import time
from types import SimpleNamespace

import pytest

from tests.mail_helpers import Worker, running_sink, wait_until, worker_database, worker_env
from tests.ops_helpers import Gunicorn, collected_static, manage  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

GUEST = "guest@example.com"
TITLE = "Minds and machines this week"
EDITOR = "from tests.factories import make_editor; make_editor()"
STATE = "from followers.models import Follower; print(Follower.objects.get().state)"


@pytest.fixture
def site(collected_static, tmp_path):  # noqa: F811
    with running_sink() as sink, worker_database(tmp_path) as database_url:
        gunicorn = Gunicorn({}, tmp_path)
        gunicorn.env = worker_env(
            database_url, sink,
            DJANGO_STATIC_ROOT=collected_static,
            DJANGO_MEDIA_ROOT=tmp_path / "media",
            DJANGO_SITE_DOMAIN=f"127.0.0.1:{gunicorn.port}",  # the links in the mails
        )  # fmt: skip
        manage("migrate", "--noinput", "-v", "0", env=gunicorn.env)  # the Site row's domain
        manage("shell", "-c", EDITOR, env=gunicorn.env)
        gunicorn.start()
        worker = Worker(gunicorn.env, tmp_path, "worker")
        try:
            yield SimpleNamespace(url=gunicorn.url, sink=sink, env=gunicorn.env, worker=worker)
        finally:
            worker.stop()
            gunicorn.stop()


@pytest.fixture
def tab(browser, site):
    """A browser tab that may reach only the site."""
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site.url) else r.abort())
    page.set_default_timeout(15_000)
    yield page
    context.close()


def mail_for(site, subject_contains, timeout=60):
    wait_until(lambda: site.sink.mail_to(GUEST, subject_contains), timeout, subject_contains)
    return site.sink.mail_to(GUEST, subject_contains)


def part(mail, kind):
    [found] = [p for p in mail.walk() if p.get_content_type() == kind]
    return found.get_payload(decode=True).decode()


def test_guest_follows_confirms_and_gets_the_editors_digest_once(site, tab):
    tab.goto(site.url + "/")
    form = tab.locator("#follow-sidebar")
    form.get_by_label("Get every new digest by email").fill(GUEST)
    form.get_by_role("button", name="Follow").click()
    status = tab.locator("#follow-sidebar [role=status]")
    assert "check your inbox for a link to confirm" in status.inner_text()

    text = part(mail_for(site, "Confirm"), "text/plain")
    link = re.search(r"http://\S+/follow/confirm/\S+/", text).group(0)
    tab.goto(link)
    assert manage("shell", "-c", STATE, env=site.env).stdout.split()[-1] == "pending"
    tab.get_by_role("button", name="Confirm").click()
    assert "Done: you follow" in tab.locator("main [role=status]").first.inner_text()
    assert manage("shell", "-c", STATE, env=site.env).stdout.split()[-1] == "confirmed"

    # The editor publishes in the admin; the worker process mails it.
    tab.goto(site.url + "/admin/")
    tab.get_by_label("Username").fill("editor")
    tab.get_by_label("Password").fill("correct horse battery")
    tab.get_by_role("button", name="Log in").click()
    tab.goto(site.url + "/admin/blog/digest/add/")
    tab.locator("#id_title").press_sequentially(TITLE)
    tab.locator("#id_intro").fill("This week: *minds* and machines.")
    tab.locator("#id_status").select_option("published")
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.wait_for_selector(".messagelist .success")
    started = time.monotonic()
    mail = mail_for(site, TITLE)
    print(f"published → digest at the sink: {time.monotonic() - started:.1f} s")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = part(mail, "text/html")
    assert "<script" not in html

    view = re.search(r'<a href="([^"]+)"[^>]*>View in browser</a>', html).group(1)
    tab.goto(view)
    assert tab.get_by_role("heading", level=1).inner_text() == TITLE
    unsubscribe = re.search(r'<a href="([^"]+/follow/unsubscribe/[^"]+)"', html).group(1)
    tab.goto(unsubscribe)  # one click, from the mail
    assert "you no longer follow" in tab.locator("main [role=status]").first.inner_text()
    assert manage("shell", "-c", STATE, env=site.env).stdout.split()[-1] == "unsubscribed"
    time.sleep(1)
    assert [to for to, subject, _ in site.sink.received if subject == TITLE] == [GUEST]
