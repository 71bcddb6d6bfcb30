"""A digest as a mail: an HTML part (inline CSS, no fonts, no scripts) and a plain-text part.

Rendered once per digest; each follower's copy differs only in their unsubscribe link,
put in by replacing a placeholder. Links go where the page's links go (nothing rewritten,
no tracking pixel); a video is its poster image (a copy on our own site) linking to the
digest, where the player is.
"""

import logging
import re
import secrets
from html import unescape

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from sorl.thumbnail import get_thumbnail

from blog.sanitize import strip_tags
from blog.site import site_url
from blog.text import normalise, shorten
from mailer.outbox import unsubscribe_headers

logger = logging.getLogger(__name__)

POSTER_WIDTH = 560  # the mail's column
_RELATIVE_HREF = re.compile(r'(href|src)="/(?!/)')
_LINK = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_BLOCK_END = re.compile(r"</(p|li|h\d|blockquote|pre)>|<br ?/?>")


def unsubscribe_url(token):
    return site_url(reverse("followers:unsubscribe", kwargs={"token": token}))


def list_id():
    """RFC 2919: a name for the list and a domain of ours."""
    domain = Site.objects.get_current().domain.split(":")[0]
    return f"{settings.BLOG_TITLE} <digests.{domain}>"


def poster_url(image):
    """An absolute address of a mail-sized copy of the image on our site, or ""."""
    if not image:
        return ""
    try:
        url = get_thumbnail(image, str(POSTER_WIDTH), upscale=False).url
    except Exception:
        logger.warning("No mail-sized copy of %s; the original is used", image.name, exc_info=True)
        url = image.url
    return url if url.startswith(("http://", "https://")) else site_url(url)


def plain_text(html):
    """Author HTML as text for the plain part: paragraphs apart, links as "text (address)"."""
    html = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", html)
    html = _BLOCK_END.sub("\n\n", html).replace("<li>", "- ")
    text = unescape(strip_tags(html))
    return "\n\n".join(para.strip() for para in text.split("\n\n") if para.strip())


def absolute_links(html):
    """Author HTML with /relative links made absolute: a mail has no page to be relative to."""
    return _RELATIVE_HREF.sub(lambda m: f'{m.group(1)}="{site_url("/")}', html)


class DigestMail:
    """The rendered mail of one digest, to be addressed to each follower in turn."""

    def __init__(self, digest, test=False):
        self.digest = digest
        self.placeholder = f"unsubscribe-{secrets.token_hex(8)}"
        items = list(digest.media_items.prefetch_related("links"))
        for item in items:
            item.mail_poster = poster_url(item.image) if item.video or item.image else ""
            item.mail_html = absolute_links(item.description_html)
            item.mail_text = plain_text(item.mail_html)
        context = {
            "digest": digest,
            "intro_html": absolute_links(digest.intro_html),
            "items": items,
            "intro_text": plain_text(absolute_links(digest.intro_html)),
            "digest_url": site_url(digest.get_absolute_url()),
            "home_url": site_url(reverse("blog:digest-list")),
            "unsubscribe_url": unsubscribe_url(self.placeholder),
            "blog_title": settings.BLOG_TITLE,
            "test": test,
        }
        title = _("[Test] %(title)s") % {"title": digest.title} if test else digest.title
        self.subject = shorten(normalise(title), 150)
        self.text = render_to_string("followers/mail/digest.txt", context)
        self.html = render_to_string("followers/mail/digest.html", context)
        self.list_id = list_id()

    def message(self, email, token):
        """The mail for one follower (token: theirs, for the unsubscribe link)."""
        url = unsubscribe_url(token)
        mail = EmailMultiAlternatives(
            self.subject,
            self.text.replace(self.placeholder, token),
            settings.DEFAULT_FROM_EMAIL,
            [email],
            headers=unsubscribe_headers(url, self.list_id),
        )
        mail.attach_alternative(self.html.replace(self.placeholder, token), "text/html")
        return mail
