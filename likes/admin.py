"""Like counts on the admin's digest list, counted in the list's own query."""

from django.contrib import admin
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from blog.admin import DigestAdmin
from blog.querysets import count_per_row

from .models import Like


@admin.display(description=_("likes"), ordering="_like_count")
def like_count(digest):
    return digest._like_count


def with_like_counts(get_queryset):
    """DigestAdmin.get_queryset, annotated with a subquery (no query per row)."""

    def wrapped(self, request):
        likes = Like.objects.filter(digest=OuterRef("pk"))
        return get_queryset(self, request).annotate(_like_count=count_per_row(likes, "digest"))

    return wrapped


# blog's admin knows nothing of likes; the column is added to it from here.
DigestAdmin.get_queryset = with_like_counts(DigestAdmin.get_queryset)
DigestAdmin.list_display = (*DigestAdmin.list_display, like_count)
