"""A reader comments in Debian's chromium: guest confirmation, replies with and without JS, a11y."""

import itertools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from comments import avatars
from comments.models import DigestComment
from tests import factories
from tests.comment_helpers import approved_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local_page(context, live_server):
    """A page in another browser context that, like the `page` fixture, reaches only the server."""
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
        ),
    )
    page.set_default_timeout(15_000)
    return page


def write(page, text, name="Ada Reader", email="ada@example.com", url="", remember=False):
    """Fill the comment form wherever it is on the page."""
    field(page, "Comment").fill(text)
    field(page, "Name").fill(name)
    field(page, "Email").fill(email)
    field(page, "Website (optional)").fill(url)
    if remember:
        remember_me(page).check()


def field(page, name):
    # By role: the "*" after a required field's label is aria-hidden, so not in its name.
    return page.get_by_role("textbox", name=name, exact=True)


def remember_me(page):
    return page.get_by_role("checkbox", name="Save my name, email and website", exact=False)


def send(page):
    """Post the form and wait for the page the comment view redirects to."""
    before = page.url
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state()


def stored(text):
    return DigestComment.objects.get(comment=text)


def public_comment(digest, text, name, parent=None):
    return factories.make_comment(digest, text, parent=parent, user_name=name)


def form_place(page):
    """Where the comment form is: [id of its parent, tag before it, tag after it]."""
    return page.evaluate(
        """() => {
            const respond = document.getElementById("respond");
            const tag = (el) => el && el.tagName.toLowerCase();
            return [respond.parentElement.id, tag(respond.previousElementSibling),
                    tag(respond.nextElementSibling)];
        }"""
    )


def at_home(page):
    """The form is in its own place: in the comments section, right after the list."""
    return form_place(page)[:2] == ["comments", "ol"]


def focused(page):
    return page.evaluate("document.activeElement && document.activeElement.name")


def test_guest_comment_waits_for_the_mail_and_the_form_remembers_them(
    page, live_server, digest, sent_mail
):
    page.goto(live_server.url + digest.get_absolute_url())
    write(page, "Is the second video the long cut?", url="https://ada.example", remember=True)
    send(page)

    comment = stored("Is the second video the long cut?")
    assert page.url == f"{live_server.url}{digest.get_absolute_url()}#c{comment.pk}"
    expect(page.locator(".messages")).to_contain_text(
        "Almost done: we will send a link to ada@example.com in a moment."
    )
    mine = page.locator(f"#c{comment.pk}")
    expect(mine).to_have_class(re.compile(r"comment--pending"))
    expect(mine).to_contain_text("Is the second video the long cut?")
    expect(mine).to_contain_text("Your comment appears once you confirm your email address")
    expect(mine.get_by_role("link", name="Ada Reader")).to_have_attribute(
        "href", "https://ada.example"
    )
    assert [m.to for m in sent_mail()] == [["ada@example.com"]]
    assert "/comments/confirm/" in sent_mail()[0].body

    # Another reader doesn't see it.
    other = page.context.browser.new_context()
    stranger = local_page(other, live_server)
    stranger.goto(live_server.url + digest.get_absolute_url())
    assert "Is the second video the long cut?" not in stranger.content()
    other.close()

    page.reload()
    expect(field(page, "Name")).to_have_value("Ada Reader")
    expect(field(page, "Email")).to_have_value("ada@example.com")
    expect(field(page, "Website (optional)")).to_have_value("https://ada.example")
    expect(field(page, "Comment")).to_have_value("")
    expect(remember_me(page)).to_be_checked()


def test_reply_moves_the_form_under_the_comment_and_nests_the_answer(
    page, live_server, digest, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    page.goto(live_server.url + digest.get_absolute_url())
    write(page, "Great list, thank you.")
    send(page)
    first = stored("Great list, thank you.")
    assert first.state == DigestComment.State.PUBLIC
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(page.locator(f"#c{first.pk}")).not_to_have_class(re.compile(r"comment--pending"))
    assert page.locator(".comment--pending").count() == 0
    assert at_home(page)

    page.get_by_role("link", name="Reply to Ada Reader").click()
    assert form_place(page) == [f"c{first.pk}", "article", None]  # right under the comment
    expect(page.locator("#respond input[name=reply_to]")).to_have_value(str(first.pk))
    expect(page.locator("#reply-title")).to_contain_text("Reply to Ada Reader")
    assert focused(page) == "comment"
    assert page.url.endswith(f"#c{first.pk}")  # the link's no-JS address was not followed

    page.get_by_role("link", name="Cancel reply").click()
    assert at_home(page)
    expect(page.locator("#respond input[name=reply_to]")).to_have_value("0")
    expect(page.locator("#reply-title")).to_have_text("Leave a reply")
    assert focused(page) == "comment"

    page.get_by_role("link", name="Reply to Ada Reader").click()
    write(page, "Replying to myself, nested.")
    send(page)
    reply = stored("Replying to myself, nested.")
    assert (reply.parent_id, reply.level) == (first.pk, 1)
    assert page.url.endswith(f"#c{reply.pk}")
    nested = page.locator(f"#c{first.pk} > ol.comment-list--children > li#c{reply.pk}")
    expect(nested).to_contain_text("Replying to myself, nested.")
    expect(page.get_by_role("heading", name="2 comments")).to_be_visible()
    assert at_home(page)  # a fresh page

    # Answering a comment that has replies: the form goes between it and its replies.
    page.locator(f"#c{first.pk} > article").get_by_role("link", name="Reply").click()
    assert form_place(page) == [f"c{first.pk}", "article", "ol"]
    expect(page.locator("#respond input[name=reply_to]")).to_have_value(str(first.pk))


def test_reply_without_javascript_reloads_with_replytocom(browser, live_server, digest, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    approved_author()
    parent = public_comment(digest, "A comment to answer.", "Bob Writer")
    context = browser.new_context(java_script_enabled=False)
    page = local_page(context, live_server)
    page.goto(live_server.url + digest.get_absolute_url())
    page.get_by_role("link", name="Reply to Bob Writer").click()
    page.wait_for_url(f"**?replytocom={parent.pk}#respond")
    expect(page.locator("#reply-title")).to_contain_text("Reply to Bob Writer")
    expect(page.locator("#respond input[name=reply_to]")).to_have_value(str(parent.pk))

    write(page, "An answer without JavaScript.")
    send(page)
    reply = stored("An answer without JavaScript.")
    assert (reply.parent_id, reply.state) == (parent.pk, DigestComment.State.PUBLIC)
    nested = page.locator(f"#c{parent.pk} > ol.comment-list--children > li#c{reply.pk}")
    expect(nested).to_contain_text("An answer without JavaScript.")
    context.close()


def serious_violations(page, context=None):
    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_comments_and_the_form_have_no_serious_accessibility_violations(
    page, live_server, digest, scheme
):
    first = public_comment(digest, "The first comment.", "Bob Writer")
    reply = public_comment(digest, "A reply to it.", "Cy Reader", parent=first)
    public_comment(digest, "Deeper still.", "Bob Writer", parent=reply)
    public_comment(digest, "A second thread.", "Dee Reader")
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + digest.get_absolute_url())
    assert serious_violations(page) == []
    page.get_by_role("link", name="Reply to Cy Reader").click()
    assert serious_violations(page) == [], "form moved under a reply"


def test_every_avatar_colour_has_enough_contrast(page, live_server, digest):
    names = {}  # one name for each colour
    for n in itertools.count(1):
        names.setdefault(avatars.hue(f"Reader {n}"), f"Reader {n}")
        if len(names) == avatars.HUES:
            break
    for name in names.values():
        public_comment(digest, f"Comment by {name}.", name)
    page.goto(live_server.url + digest.get_absolute_url())
    hues = page.locator(".avatar").evaluate_all("els => els.map(el => el.className)")
    assert sorted(hues) == sorted(f"avatar avatar--{hue}" for hue in range(avatars.HUES))
    assert serious_violations(page, ".avatar") == []
