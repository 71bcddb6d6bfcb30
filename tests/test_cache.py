"""Anonymous reader pages from the cache: fresh after every change, 304s, never personal.

Every test runs twice: with the per-process local memory cache (the generation is a
database row) and with the machine's Redis (the generation sits beside the pages), in
a Redis database and key prefix of their own.
"""

import contextlib
import os
import re
import secrets
import time
from datetime import timedelta

import pytest
import redis
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.models import Site
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Digest
from caching import middleware
from comments import actions
from comments.models import DigestComment
from comments.session import OWN_COMMENTS, REMEMBER_COOKIE
from tests import factories
from tests.comment_helpers import approved_author, form_data, post_after_commit, post_comment
from tests.idp.wordpress_standin import sign_in

pytestmark = pytest.mark.django_db

State = DigestComment.State
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not answering at {REDIS_URL}: .ci/run starts it")
        pytest.skip(f"needs Redis at {REDIS_URL}")


def flush_prefix(prefix):
    """Delete this run's keys only: other runs may share the Redis database."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def backend(request, settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOLD_FIRST_COMMENT = True
    settings.COMMENTS_MODERATION_WORDS = []
    settings.COMMENTS_DISALLOWED_WORDS = []
    if request.param == "locmem":
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"test-cache-{secrets.token_hex(4)}",
            },
        }
        yield request.param
        return
    redis_or_skip()
    prefix = f"test-cache-{secrets.token_hex(6)}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    yield request.param
    flush_prefix(prefix)


def get(client, url, **headers):
    return client.get(url, headers=headers)


def state(response):
    return response.get(middleware.HEADER)


def text(response):
    return response.content.decode()


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


READER_PAGES = [
    "blog:digest-list",
    "blog:feed",
    "blog:atom-feed",
    "blog:sitemap",
    "comments:feed",
]


@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_pages_come_from_the_cache(client, digest, name):
    url = reverse(name)
    first = get(client, url)
    second = get(Client(), url)

    assert (first.status_code, state(first)) == (200, "miss")
    assert (second.status_code, state(second)) == (200, "hit")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # Shared caches may keep it a moment; browsers ask again every time.
    assert second["Cache-Control"] == ("public, max-age=0, s-maxage=2, stale-while-revalidate=5")


def test_digest_archives_category_and_tag_pages_are_cached(client):
    category, tag = factories.make_category("Science"), factories.make_tag("physics")
    digest = factories.make_digest("Entropy")
    digest.categories.add(category)
    digest.tags.add(tag)
    local = timezone.localtime(digest.published_at)
    urls = [
        digest.get_absolute_url(),
        reverse("blog:archive-year", kwargs={"year": local.year}),
        reverse("blog:archive-month", kwargs={"year": local.year, "month": local.month}),
        category.get_absolute_url(),
        reverse("blog:category-feed", kwargs={"slug": category.slug}),
        tag.get_absolute_url(),
    ]
    for url in urls:
        assert state(get(client, url)) == "miss", url
        hit = get(Client(), url)
        assert (hit.status_code, state(hit)) == (200, "hit"), url
        assert "Entropy" in text(hit)


def test_a_hit_costs_no_query_with_a_shared_cache(
    client, digest, backend, django_assert_num_queries
):
    url = digest.get_absolute_url()
    get(client, url)
    # Local memory is per process: the generation is then read from the database.
    with django_assert_num_queries(0 if backend == "redis" else 1):
        assert state(get(Client(), url)) == "hit"


def test_search_and_other_query_strings_are_rendered_fresh(client, digest):
    for url in (f"{reverse('blog:search')}?q=digest", f"{reverse('blog:digest-list')}?utm_x=1"):
        get(client, url)
        assert state(get(client, url)) is None
    reply = f"{digest.get_absolute_url()}?replytocom=1"
    get(client, reply)
    assert state(get(client, reply)) is None


def test_pages_are_cached_per_page_number(client):
    for n in range(12):
        factories.make_digest(f"Digest {n}")
    home = reverse("blog:digest-list")
    get(client, home)
    page_2 = get(client, f"{home}?page=2")
    assert state(page_2) == "miss"
    assert state(get(client, f"{home}?page=2")) == "hit"
    assert "Page 2 of 2" in text(page_2)


# Invalidation ------------------------------------------------------------------------


def test_publishing_a_digest_shows_it_at_once(client):
    factories.make_digest("Older digest")
    get(client, reverse("blog:digest-list"))
    draft = factories.make_digest("Fresh digest", published=False)
    assert "Fresh digest" not in text(get(client, reverse("blog:digest-list")))

    draft.status = Digest.Status.PUBLISHED
    draft.save()

    for name in ("blog:digest-list", "blog:feed"):
        assert "Fresh digest" in text(get(client, reverse(name)))


def test_editing_a_digest_its_items_links_categories_and_tags(client, digest):
    item = factories.make_item(digest, title="First item", links=1)
    url = digest.get_absolute_url()
    get(client, url)

    digest.title = "A better title"
    digest.save()
    assert "A better title" in text(get(client, url))

    item.title = "Renamed item"
    item.save()
    assert "Renamed item" in text(get(client, url))

    link = item.links.get()
    link.title = "Paper, second edition"
    link.save()
    assert "Paper, second edition" in text(get(client, url))

    digest.tags.add(factories.make_tag("entropy"))
    assert "entropy" in text(get(client, url))
    category = factories.make_category("Cosmology")
    digest.categories.add(category)
    assert "Cosmology" in text(get(client, url))
    category.name = "Cosmology and stars"
    category.save()
    assert "Cosmology and stars" in text(get(client, url))

    item.delete()
    assert "Renamed item" not in text(get(client, url))


def test_a_scheduled_digest_appears_on_time(client):
    factories.make_digest("Already out")
    publish_at = timezone.now() + timedelta(seconds=2)
    factories.make_digest("Scheduled one", published_at=publish_at)
    home = reverse("blog:digest-list")
    assert "Scheduled one" not in text(get(client, home))
    assert state(get(client, home)) == "hit"

    time.sleep(max(0.0, (publish_at - timezone.now()).total_seconds()) + 0.1)

    assert "Scheduled one" in text(get(client, home))


def test_a_page_never_lives_longer_than_page_cache_seconds(client, digest, settings):
    settings.PAGE_CACHE_SECONDS = 1
    url = digest.get_absolute_url()
    get(client, url)
    assert state(get(client, url)) == "hit"
    time.sleep(1.1)
    assert state(get(client, url)) == "miss"


def test_a_comment_posted_public_shows_at_once(client, editor_client, digest):
    url = digest.get_absolute_url()
    assert "No comments yet" in text(get(client, url))

    response = post_comment(editor_client, digest, comment="Posted by an editor.")

    assert response.status_code == 302
    page = text(get(client, url))
    assert "Posted by an editor." in page and "1 comment" in page
    assert "1 comment" in text(get(client, reverse("blog:digest-list")))
    assert "Posted by an editor." in text(get(client, reverse("comments:feed")))


def test_a_comment_confirmed_by_mail_shows_at_once(client, digest, settings, sent_mail):
    settings.COMMENTS_HOLD_FIRST_COMMENT = False  # public as soon as the address is confirmed
    url = digest.get_absolute_url()
    get(client, url)
    guest = Client()
    post_comment(guest, digest, comment="Confirmed by mail.")
    assert "Confirmed by mail." not in text(get(client, url))

    link = re.search(r"http://testserver(/comments/confirm/\S+/)", sent_mail()[-1].body).group(1)
    post_after_commit(guest, link)

    assert "Confirmed by mail." in text(get(client, url))


def test_approving_in_the_admin_shows_the_comment_at_once(client, editor_client, digest):
    held = factories.make_comment(digest, "Held for a moderator.", state=State.HELD)
    other = factories.make_comment(digest, "Approved on its own page.", state=State.HELD)
    url = digest.get_absolute_url()
    assert "Held for a moderator." not in text(get(client, url))

    changelist = reverse("admin:comments_digestcomment_changelist")
    post_after_commit(
        editor_client, changelist, {"action": "approve", "_selected_action": [held.pk]}
    )
    assert "Held for a moderator." in text(get(client, url))

    change = reverse("admin:comments_digestcomment_change", args=[other.pk])
    form = {
        "state": State.PUBLIC,
        "comment": other.comment,
        "user_name": other.user_name,
        "user_email": other.user_email,
        "user_url": "",
        "notify": other.notify,
    }
    response = post_after_commit(editor_client, change, form)
    assert response.status_code == 302
    assert "Approved on its own page." in text(get(client, url))

    post_after_commit(
        editor_client,
        f"{changelist}?state=public",
        {"action": "mark_spam", "_selected_action": [held.pk]},
    )
    assert "Held for a moderator." not in text(get(client, url))


def test_an_edited_or_deleted_comment_changes_at_once(client, digest):
    comment = factories.make_comment(digest, "First words.")
    reply = factories.make_comment(digest, "A reply.", parent=comment, user_email="bo@example.com")
    url = digest.get_absolute_url()
    assert "First words." in text(get(client, url))

    actions.save_text(comment, "Second thoughts.")  # QuerySet.update(): no post_save
    assert "Second thoughts." in text(get(client, url))

    actions.remove(comment)  # kept as a placeholder for its reply, again by update()
    page = text(get(client, url))
    assert "Second thoughts." not in page and "This comment was deleted." in page

    actions.remove(reply)  # deleted outright
    assert "A reply." not in text(get(client, url))


def test_a_change_inside_a_transaction_is_announced_again_on_commit(
    digest, backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        digest.save()
    assert len(callbacks) == (1 if backend == "redis" else 0)


def test_many_changes_in_one_transaction_make_one_generation(
    client, digest, backend, caplog, django_capture_on_commit_callbacks
):
    url = digest.get_absolute_url()
    get(client, url)
    logs = caplog.at_level("DEBUG", logger="caching.generation")
    with logs, django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():
            digest.save()  # in a savepoint that is rolled back: its announcement goes too
            raise RuntimeError
        digest.title = "Renamed once"
        digest.save()
        factories.make_tag("chemistry")
    if backend == "redis":
        assert len(bumps(caplog)) == 1
    page = get(client, url)
    assert state(page) == "miss" and "Renamed once" in text(page)


# Conditional requests ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["blog:digest-list", "blog:feed"])
def test_etag_and_last_modified_answer_304(client, digest, name):
    url = reverse(name)
    first = get(client, url)
    assert first["ETag"].startswith('W/"') and first["Last-Modified"]

    by_etag = get(client, url, if_none_match=first["ETag"])
    by_date = get(client, url, if_modified_since=first["Last-Modified"])

    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_date.status_code == 304
    assert get(client, url, if_none_match='W/"other"').status_code == 200


def test_a_change_ends_the_304s(client, digest):
    url = digest.get_absolute_url()
    etag = get(client, url)["ETag"]
    factories.make_comment(digest, "News in the thread.")
    response = get(client, url, if_none_match=etag)
    assert response.status_code == 200 and "News in the thread." in text(response)
    assert response["ETag"] != etag


def test_the_same_page_keeps_its_etag_whatever_the_csrf_token(client, digest):
    url = digest.get_absolute_url()
    assert get(client, url)["ETag"] == get(Client(), url)["ETag"]


# Nothing personal ----------------------------------------------------------------------


def test_signed_in_readers_get_fresh_pages(editor_client, client, digest):
    url = digest.get_absolute_url()
    get(client, url)
    response = get(editor_client, url)
    assert state(response) == "bypass"
    assert "Logged in as" in text(response)
    assert "Logged in as" not in text(get(client, url))
    assert "ETag" not in response


def test_a_reader_with_a_pending_comment_sees_it_and_others_do_not(client, digest):
    url = digest.get_absolute_url()
    get(client, url)
    guest = Client()
    response = post_comment(guest, digest, comment="Waiting for my link.")
    assert response.status_code == 302
    assert OWN_COMMENTS in guest.session

    mine = get(guest, url)
    assert state(mine) == "bypass"
    assert "Waiting for my link." in text(mine)
    assert "Waiting for my link." not in text(get(client, url))


def test_pending_messages_are_shown_on_a_fresh_page(client, digest):
    url = digest.get_absolute_url()
    get(client, url)
    guest = Client()
    response = post_comment(guest, digest, comment="A message follows.")
    session = guest.session  # only the message is left to make the page personal
    session.pop(OWN_COMMENTS, None)
    session.save()

    page = get(guest, response["Location"].split("#")[0])
    assert state(page) == "bypass"
    assert "we will send a link to ada@example.com" in text(page)
    assert state(get(guest, url)) == "miss"  # shown once; then the shared page again
    assert state(get(guest, url)) == "hit"


def test_the_remember_me_cookie_is_never_cached(client, digest):
    url = digest.get_absolute_url()
    approved_author()
    remembering = Client()
    post_comment(remembering, digest, remember="on", name="Grace Hopper", email="g@example.com")
    returning = Client()  # a later visit: the cookie, no session
    returning.cookies[REMEMBER_COOKIE] = remembering.cookies[REMEMBER_COOKIE].value

    theirs = get(returning, url)
    assert state(theirs) == "bypass"
    assert "Grace Hopper" in text(theirs)
    assert "Grace Hopper" not in text(get(client, url))
    assert "g@example.com" not in text(get(Client(), url))


def test_a_response_setting_its_own_cookie_is_not_stored(client, digest):
    home = reverse("blog:digest-list")
    request = get(client, home).wsgi_request
    page_cache = middleware.PageCacheMiddleware(lambda request: None)
    response = HttpResponse("A page")
    assert page_cache.storable(request, response)
    response.set_cookie("tracking", "1")
    assert not page_cache.storable(request, response)


# CSRF ----------------------------------------------------------------------------------


def test_a_cached_comment_form_works_for_every_reader(client, digest):
    approved_author("first@example.com")
    approved_author("second@example.com")
    url = digest.get_absolute_url()
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)

    miss = get(first, url)
    hit = get(second, url)

    assert (state(miss), state(hit)) == ("miss", "hit")
    # The same bytes for both, no token and no cookie: a shared cache may hold them.
    assert miss.content == hit.content
    assert 'name="csrfmiddlewaretoken" value=""' in text(hit)
    assert "csrftoken" not in miss.cookies and "csrftoken" not in hit.cookies
    for reader, email in ((second, "second@example.com"), (first, "first@example.com")):
        data = form_data(digest, email=email, comment=f"From {email}")
        # What site.js does once the reader starts typing.
        data["csrfmiddlewaretoken"] = reader.get(reverse("csrf-token")).json()["token"]
        response = post_after_commit(reader, reverse("comments:post"), data)
        assert response.status_code == 302, response.content[:300]
    public = DigestComment.objects.for_digest(digest).public()
    assert public.count() == 2


def test_a_reader_without_a_csrf_cookie_gets_a_304_too(client, digest):
    url = digest.get_absolute_url()
    etag = get(client, url)["ETag"]
    cookieless = Client()
    response = get(cookieless, url, if_none_match=etag)
    assert response.status_code == 304
    assert not response.cookies


# Off, and Redis down -------------------------------------------------------------------


def test_page_cache_seconds_zero_turns_it_off(client, digest, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = digest.get_absolute_url()
    get(client, url)
    response = get(client, url)
    assert state(response) is None and "ETag" not in response


def test_redis_down_serves_pages_uncached(client, digest, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        },
    }
    url = digest.get_absolute_url()
    for _ in range(2):
        response = get(client, url)
        assert response.status_code == 200 and digest.title in text(response)
        assert state(response) is None


# Shared fragments (pages rendered fresh still share the sidebar and the comment list) ---


@pytest.fixture
def fresh_pages(settings):
    """No page cache: every page is rendered, from fragments where they can be shared."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 600


def test_the_shared_comment_list_changes_at_once(client, digest, fresh_pages):
    factories.make_comment(digest, "The first word.")
    url = digest.get_absolute_url()
    assert "The first word." in text(get(client, url))
    assert "The first word." in text(get(Client(), url))

    factories.make_comment(digest, "A second word.")

    page = text(get(client, url))
    assert "A second word." in page and "2 comments" in page


def test_a_signed_in_author_gets_their_edit_links_and_others_do_not(
    client, digest, fresh_pages, django_user_model
):
    author = django_user_model.objects.create_user("author", "author@example.com", "pw")
    other = django_user_model.objects.create_user("other", "other@example.com", "pw")
    get(client, digest.get_absolute_url())  # the shared list exists before the comment
    factories.make_comment(digest, "Mine to edit.", user=author, user_email=author.email)
    readers = {name: Client() for name in ("author", "other")}
    readers["author"].force_login(author)
    readers["other"].force_login(other)

    pages_seen = {name: text(get(c, digest.get_absolute_url())) for name, c in readers.items()}
    pages_seen["guest"] = text(get(client, digest.get_absolute_url()))

    assert all("Mine to edit." in page for page in pages_seen.values())
    assert 'class="comment__edit"' in pages_seen["author"]
    assert 'class="comment__edit"' not in pages_seen["other"]
    assert 'class="comment__edit"' not in pages_seen["guest"]


def test_a_guests_pending_comment_is_theirs_alone(client, digest, fresh_pages):
    url = digest.get_absolute_url()
    get(client, url)
    guest = Client()
    post_comment(guest, digest, comment="Still unconfirmed.")
    assert "Still unconfirmed." in text(get(guest, url))
    assert "Still unconfirmed." not in text(get(client, url))


def test_the_sidebar_and_home_list_change_at_once(client, fresh_pages):
    factories.make_digest("This month")
    home = reverse("blog:digest-list")
    get(client, home)
    last_year = timezone.now() - timedelta(days=400)
    factories.make_digest("From last year", published_at=last_year)

    page = text(get(client, home))
    assert f"{last_year:%B %Y}" in page
    assert "From last year" in page


def test_a_reply_link_without_javascript_still_finds_its_comment(client, digest, fresh_pages):
    comment = factories.make_comment(digest, "Reply to me.")
    url = digest.get_absolute_url()
    get(client, url)
    page = text(get(client, f"{url}?replytocom={comment.pk}"))
    assert "Reply to Ada Reader" in page


# Sign-ins ------------------------------------------------------------------------------


def bumps(caplog):
    return [r for r in caplog.records if r.getMessage().startswith("page generation bumped")]


def test_a_sign_in_with_unchanged_data_makes_no_page_stale(
    wordpress, digest, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(Client())  # the first: the reader's name and profile are stored
    url = digest.get_absolute_url()
    assert state(get(Client(), url)) == "miss"
    assert state(get(Client(), url)) == "hit"

    with caplog.at_level("DEBUG", logger="caching.generation"):
        with django_capture_on_commit_callbacks(execute=True):
            sign_in(Client())  # the same identity, nothing new to show
        assert state(get(Client(), url)) == "hit"
    assert bumps(caplog) == []


def test_a_first_sign_in_makes_pages_stale_once(
    wordpress, digest, backend, caplog, django_capture_on_commit_callbacks
):
    url = digest.get_absolute_url()
    get(Client(), url)
    logs = caplog.at_level("DEBUG", logger="caching.generation")
    with logs, django_capture_on_commit_callbacks(execute=True):
        sign_in(Client())  # a new name on the user, a new profile: two rows saved
    if backend == "redis":
        assert len(bumps(caplog)) == 1  # once, when the sign-in's transaction commits
    else:
        # The database row is bumped inside that transaction: other workers see it once.
        assert bumps(caplog)
    assert state(get(Client(), url)) == "miss"


def test_a_new_provider_shows_its_button_at_once(client, digest):
    url = digest.get_absolute_url()
    get(client, url)
    assert state(get(client, url)) == "hit"
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="corp", name="Corp SSO", client_id="blog",
        secret="s3cret", settings={"server_url": "http://127.0.0.1:9"},
    )  # fmt: skip
    app.sites.add(Site.objects.get_current())
    assert "Log in with Corp SSO" in text(get(client, url))


# A comment makes stale only what shows comments ----------------------------------------


def test_a_comment_leaves_other_digests_and_feeds_in_the_cache(client, digest, backend):
    other = factories.make_digest("Another digest")
    factories.make_comment(other, "Already here.")
    pages = {
        "commented": digest.get_absolute_url(),
        "other": other.get_absolute_url(),
        "home": reverse("blog:digest-list"),
        "comments feed": reverse("comments:feed"),
        "feed": reverse("blog:feed"),
        "sitemap": reverse("blog:sitemap"),
    }
    for url in pages.values():
        get(client, url)
    assert all(state(get(client, url)) == "hit" for url in pages.values())

    factories.make_comment(digest, "A new comment.")

    seen = {name: get(client, url) for name, url in pages.items()}
    assert "A new comment." in text(seen["commented"]) and "1 comment" in text(seen["commented"])
    assert "1 comment" in text(seen["home"]) and "2 comments" not in text(seen["home"])
    assert "A new comment." in text(seen["comments feed"])
    assert state(seen["commented"]) == state(seen["home"]) == "miss"
    assert state(seen["comments feed"]) == "miss"
    if backend == "redis":  # a local cache has one generation row for everything
        assert state(seen["other"]) == state(seen["feed"]) == state(seen["sitemap"]) == "hit"


def test_moderating_in_bulk_changes_the_digest_it_concerns(client, digest, backend):
    other = factories.make_digest("Another digest")
    held = factories.make_comment(digest, "Held for a while.", state=State.HELD)
    urls = [digest.get_absolute_url(), other.get_absolute_url()]
    for url in urls:
        get(client, url)
    assert "Held for a while." not in text(get(client, urls[0]))

    DigestComment.objects.filter(pk=held.pk).set_state(State.PUBLIC)

    assert "Held for a while." in text(get(client, urls[0]))
    if backend == "redis":
        assert state(get(client, urls[1])) == "hit"


def test_a_comment_leaves_the_sidebar_but_not_the_comment_list(client, digest, fresh_pages):
    other = factories.make_digest("Another digest")
    home, url = reverse("blog:digest-list"), digest.get_absolute_url()
    get(client, home)
    get(client, url)
    get(client, other.get_absolute_url())

    factories.make_comment(digest, "Fresh words.")

    assert "Fresh words." in text(get(client, url))
    assert "1 comment" in text(get(client, home))
    assert "Fresh words." not in text(get(client, other.get_absolute_url()))
