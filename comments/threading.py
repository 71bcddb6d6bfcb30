"""Placing a new comment in its thread, under a lock.

django-comments-xtd reads max(order) without a lock and saves twice, partly
outside the transaction, so concurrent replies get duplicate or missing
positions. Here the whole placement is one transaction that first locks the
thread's root row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the
IMMEDIATE transaction mode already makes writers queue). A partial unique index
on (thread_id, order) backs it up (migration 0002).
"""

from django.db import transaction
from django.db.models import F, Max, Min
from django_comments_xtd.models import XtdComment


class ThreadTooDeep(Exception):
    """The comment replied to is already at the deepest level."""


class ParentGone(Exception):
    """The comment replied to was deleted while the reply was on its way."""


def max_level():
    from django.conf import settings

    return settings.COMMENTS_XTD_MAX_THREAD_LEVEL


@transaction.atomic
def save_new_comment(comment, parent=None, *, deepest=None):
    """Insert a new comment; a reply goes after the last reply below its parent.

    ``deepest`` overrides max_level() for this call (an import keeps deeper threads).
    """
    if parent is None:
        comment.thread_id = 0  # excluded from the unique index until placed
        comment.order = 1
        comment.level = 0
        comment.save(force_insert=True)
        comment.thread_id = comment.parent_id = comment.pk
        XtdComment.norel_objects.filter(pk=comment.pk).update(
            thread_id=comment.pk, parent_id=comment.pk
        )
        return comment

    # Lock the root: every reply in this thread waits here for the one before it.
    # (xtd's plain table, so no outer join stands in the way of FOR UPDATE.)
    list(XtdComment.norel_objects.select_for_update().filter(pk=parent.thread_id).values("pk"))
    parent = XtdComment.norel_objects.filter(pk=parent.pk).first()  # fresh, after the lock
    if parent is None:
        raise ParentGone
    if parent.level >= (max_level() if deepest is None else deepest):
        raise ThreadTooDeep
    thread = XtdComment.norel_objects.filter(thread_id=parent.thread_id)
    after_subtree = thread.filter(order__gt=parent.order, level__lte=parent.level).aggregate(
        m=Min("order")
    )["m"]
    if after_subtree is None:
        order = thread.aggregate(m=Max("order"))["m"] + 1
    else:
        order = after_subtree
        # Shift in two steps so no two rows ever share an order (the unique index checks rows).
        thread.filter(order__gte=order).update(order=-(F("order") + 1))
        thread.filter(order__lt=0).update(order=-F("order"))
    comment.thread_id = parent.thread_id
    comment.parent_id = parent.pk
    comment.level = parent.level + 1
    comment.order = order
    comment.save(force_insert=True)
    ancestors = []
    node = parent
    while True:
        ancestors.append(node.pk)
        if node.parent_id == node.pk:
            break
        node = thread.only("pk", "parent_id").get(pk=node.parent_id)
    thread.filter(pk__in=ancestors).update(nested_count=F("nested_count") + 1)
    return comment
