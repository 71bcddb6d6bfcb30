"""What comments/ asks about comments that came from the fediverse (COMMENTS_AUTHOR_AVATARS)."""

from django.conf import settings

from .models import RemoteNote


def avatars_for_comments(comment_ids):
    """{comment id: address of the author's avatar, stored here} in one query."""
    if not settings.FEDIVERSE_ENABLED:
        return {}
    rows = RemoteNote.objects.filter(comment_id__in=comment_ids).exclude(actor__avatar="")
    return {
        comment_id: avatar.url if hasattr(avatar, "url") else ""
        for comment_id, avatar in (
            (row.comment_id, row.actor.avatar) for row in rows.select_related("actor")
        )
    }
