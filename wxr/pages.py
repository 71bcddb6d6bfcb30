"""WordPress pages → static pages (django.contrib.flatpages), as text at their old address.

Only published pages are kept; a password-protected one is skipped, like a draft. Images
and videos in a page are left out with a warning (pages hold text only).
"""

from django.contrib.flatpages.models import FlatPage
from django.urls import Resolver404, resolve

from . import content as wp_content
from .media import extract_media
from .models import WordPressPost
from .values import make_slug, number, old_path, truncate


def import_page(run, record):
    """A published page becomes a static page at its old address, as text."""
    wp_id = number(record.get("wp:post_id"))
    guid = record.get("guid", "").strip()[:500]
    status = record.get("wp:status", "").strip()
    what = f"Page {wp_id}"
    run.threads.skip(record["comments"], "on a page")
    if status != "publish" or record.get("wp:post_password", "").strip():
        reason = "password-protected" if status == "publish" else status or "no status"
        run.summary.count("pages", "skipped", reason)
        return
    path = old_path(record.get("link", ""))
    mapping = run.matcher.find(WordPressPost, wp_id, guid, path, post_type="page")
    slug = make_slug(
        record.get("wp:post_name"), record.get("title"), max_length=90, fallback=f"page-{wp_id}"
    )
    url = "/" + (path or slug).strip("/") + "/"
    if taken_by_site(url) or len(url) > 100:
        url = f"/pages/{slug}/"
        run.summary.warn(f"{what}: its address {path} can't be kept; it is at {url}.")
    text, media = extract_media(record.get("content:encoded", ""), base_url=run.base_url)
    if media:
        run.summary.warn(
            f"{what}: {len(media)} image(s) or video(s) left out (pages hold text only)."
        )
    page = (mapping.flatpage if mapping else None) or FlatPage()
    created = page.pk is None
    title = truncate(wp_content.plain_title(record.get("title", "")), 200) or "Untitled page"
    shown = (url[:100], title, wp_content.clean_text(text))
    changed = created or (page.url, page.title, page.content) != shown
    if changed:
        page.url, page.title, page.content = shown
        page.save()
    page.sites.add(run.site)
    values = {
        "wp_id": wp_id,
        "guid": guid or None,
        "post_type": "page",
        "old_path": path,
        "flatpage_id": page.pk,
    }
    _, mapping_changed = run.matcher.keep(WordPressPost, mapping, values)
    outcome = "created" if created else "updated" if changed or mapping_changed else "unchanged"
    run.summary.count("pages", outcome)


def taken_by_site(url):
    """Whether one of the site's own routes answers at this address."""
    try:
        resolve(url)
    except Resolver404:
        return False
    return True
