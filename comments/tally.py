"""What a digest keeps about its comments, kept here and nowhere else.

- Digest.comment_count: its public comments. Lists of digests show it without counting
  anything, so a list costs the same whether its digests have 5 comments or 5,000.
- Digest.comments_version: a token, new whenever anything its thread shows may have
  changed (a comment posted, approved, edited, deleted or marked spam; the digest saved,
  which may open or close its comments; a commenter's name or avatar). The thread every
  reader shares is drawn once per token (comments.templatetags.comment_tags).
- The site's counts token (blog.siteversion.counts), new with every change of any
  digest's tokens: lists of digests are drawn whole once per token (blog.cards).

All are written with QuerySet.update(), which sends no signal: nothing else about the
digest changed. The count is counted again each time, never added to, so it cannot
drift; a save of the digest, which writes the values it read, is followed by a recount
(post_save, restores of old versions included).
"""

import secrets

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Q
from django.db.models.functions import Cast

from blog import siteversion
from blog.models import Digest
from blog.querysets import count_per_row
from blog.text import parse_id

from .models import DigestComment


def digests_changed(object_pks):
    """The comments on these digests (their pks, as ints or as comment object_pks) changed:
    count them again and give each a new token (one query)."""
    ids = {parse_id(str(pk)) for pk in object_pks} - {None}
    if not ids:
        return
    public = DigestComment.objects.public().filter(
        content_type=ContentType.objects.get_for_model(Digest),
        object_pk=Cast(OuterRef("pk"), models.CharField()),
    )
    Digest.objects.filter(pk__in=ids).update(
        comment_count=count_per_row(public, "object_pk"), comments_version=new_version()
    )
    # Lists of digests show the counts (blog.cards).
    siteversion.counts_changed()


def authors_changed(user_ids=(), comment_ids=()):
    """What is shown of some commenters changed (a name, an avatar): these users' comments,
    or these comments (written elsewhere, on the fediverse), are in threads to draw again."""
    whose = Q(user_id__in=list(user_ids)) | Q(pk__in=list(comment_ids))
    object_pks = DigestComment.objects.filter(whose).values_list("object_pk", flat=True)
    digests_changed(list(object_pks.distinct()))


def new_version():
    return secrets.token_hex(8)


# Signal receivers (comments.apps) -----------------------------------------------------


def comment_saved(sender, instance, **kwargs):
    digests_changed([instance.object_pk])


def comments_updated(sender, object_pks=(), **kwargs):
    digests_changed(object_pks)


def digest_saved(sender, instance, **kwargs):
    digests_changed([instance.pk])


def user_saved(sender, instance, update_fields=None, **kwargs):
    """A commenter renamed."""
    if readers_may_see(update_fields):
        authors_changed(user_ids=[instance.pk])


def readers_may_see(update_fields):
    """Whether a save of a User with these update_fields may change what readers see: a
    sign-in only stores last_login, a new password nothing shown."""
    return update_fields is None or bool(set(update_fields) - {"last_login", "password"})
