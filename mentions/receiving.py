"""A received webmention, verified by the worker: fetch the source (blog.fetch), check it
links to the digest, and store what it says, as a comment (a reply) or a mention.

Replies are moderated like a guest's first comment: held for an editor (or spam, by the
comment rules), never public at once. A source asked about again is verified again: its
new words replace the old, and a source that is gone or no longer links is removed.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blog.fetch import FetchError, get
from blog.site import site_url
from comments import actions, moderation
from comments.models import DigestComment
from comments.services import announce, build_comment, create_comment

from . import parsing
from .models import Mention

logger = logging.getLogger(__name__)
GONE = frozenset({404, 410})
State = Mention.State


def verify(mention_id):
    """Verify one pending mention; returns its new state (None if it no longer exists)."""
    mention = Mention.objects.select_related("digest", "comment").filter(pk=mention_id).first()
    if mention is None:
        return None
    try:
        response = get(
            mention.source,
            max_bytes=settings.WEBMENTION_MAX_SOURCE_BYTES,
            accept="text/html, text/plain;q=0.5",
        )
        if response.status in GONE:
            return _drop(mention_id, _("The source page is gone (%s).") % response.status)
        response.raise_for_status()
        soup = parsing.document(response)
        targets = (mention.target, site_url(mention.digest.get_absolute_url()))
        if not parsing.links_to(response, soup, targets):
            return _drop(mention_id, _("The source page does not link to the digest."))
        found = parsing.entry(response, soup, targets)
    except (FetchError, parsing.Unreadable) as exc:
        logger.info("Webmention %s not verified: %s", mention.pk, exc)
        return _drop(mention_id, str(exc)[:300])
    return _store(mention_id, found)


def _locked(mention_id):
    """The mention, read again under a row lock: two verifications of one source (sent
    twice in a row) are stored one after the other, never both as a new comment."""
    return (
        Mention.objects.select_for_update(of=("self",)).select_related("digest").get(pk=mention_id)
    )


def _drop(mention_id, reason):
    """Not (or no longer) a mention: an earlier one is taken down, its comment removed."""
    with transaction.atomic():
        mention = _locked(mention_id)
        was_verified = mention.verified_at is not None
        if mention.comment is not None:
            actions.remove(mention.comment)
            mention.comment = None
        mention.state = State.REMOVED if was_verified else State.REJECTED
        mention.reason = reason
        mention.save()
    return mention.state


@transaction.atomic
def _store(mention_id, found):
    """Store what the verified source says; a first mention waits for an editor."""
    mention = _locked(mention_id)
    waiting = mention.state in {State.PENDING, State.REJECTED, State.REMOVED}
    mention.kind = found.kind
    mention.title, mention.excerpt = found.title, found.text
    mention.author_name, mention.author_url = found.author_name, found.author_url
    mention.author_photo, mention.published = found.author_photo, found.published
    mention.verified_at = timezone.now()
    mention.reason = ""
    if found.kind == Mention.Kind.REPLY and found.text:
        mention.state = _store_reply(mention, found)
    else:
        if mention.comment is not None:  # was a reply, is no longer one
            actions.remove(mention.comment)
            mention.comment = None
        if waiting:
            mention.state = State.HELD
    mention.save()
    return mention.state


def _store_reply(mention, found):
    """The reply as a comment in the digest's thread: a new one is held (or spam, by the
    comment rules); an edited one keeps what an editor decided (public, spam) unless the
    rules now say spam."""
    CommentState = DigestComment.State
    fields = {
        "comment": found.text,
        "comment_html": found.content_html,
        "user_name": found.author_name or mention.source_host,
        # django-comments keeps at most 200 characters of a website.
        "user_url": next((u for u in (found.author_url, mention.source) if len(u) <= 200), ""),
    }
    comment = mention.comment
    probe = build_comment(mention.digest, **fields, user_email="")
    state, reason = moderation.decide(probe)
    if state != CommentState.SPAM:
        if comment is not None and comment.state in (CommentState.PUBLIC, CommentState.SPAM):
            state, reason = comment.state, comment.moderation_reason
        else:
            state, reason = CommentState.HELD, _("webmention from %s") % mention.source_host
    changed = comment is None or comment.comment != found.text
    if comment is None:
        comment = create_comment(
            mention.digest,
            **fields,
            user_email="",
            ip_address=mention.sender_ip,
            submit_date=found.published or timezone.now(),
            state=state,
            moderation_reason=reason[:200],
        )
    else:
        # update(), not save(): xtd's pre_save would touch the replies below (comments.actions).
        comment.edited_at = timezone.now() if changed else comment.edited_at
        DigestComment.objects.filter(pk=comment.pk).set_state(
            state, **fields, moderation_reason=reason[:200], edited_at=comment.edited_at
        )
        comment.refresh_from_db()
    mention.comment = comment
    if state == CommentState.HELD and changed:
        announce(comment)
    return {CommentState.PUBLIC: State.PUBLIC, CommentState.SPAM: State.SPAM}.get(state, State.HELD)
