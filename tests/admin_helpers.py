"""The editor's way into the admin in a real browser, shared by the browser tests."""

from django.urls import reverse

from tests import factories


def fill_log_in(page, username="editor", password="correct horse battery"):
    """Fill in and send the admin's log-in form the page shows (factories.make_editor's)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in(page, live_server):
    """A new editor, logged in at the admin's index."""
    factories.make_editor()
    page.goto(live_server.url + reverse("admin:index"))
    fill_log_in(page)
    page.wait_for_url(f"**{reverse('admin:index')}")
