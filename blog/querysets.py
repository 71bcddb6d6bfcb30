"""Digests as readers and lists ask for them (Digest.objects)."""

from django.db import models
from django.db.models import Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone


def count_per_row(rows, group_by):
    """How many of `rows` belong to each row of the outer query (0 when none), as a
    subquery: `rows` is filtered on an OuterRef, `group_by` is the field that refers to it.
    A subquery rather than a join keeps the outer query's own counts and dates plain."""
    counted = rows.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def related_rows(digest_pks, relation, *fields):
    """{digest pk: [(fields, …) of each category or tag]} for Digest.categories or
    Digest.tags, in the order a digest lists them (by name), read from the join table as
    rows: one query, no model."""
    target = relation.field.m2m_reverse_field_name()
    rows = relation.through.objects.filter(digest_id__in=list(digest_pks))
    rows = rows.order_by(f"{target}__name", f"{target}_id")
    found = {pk: [] for pk in digest_pks}
    for digest_pk, *values in rows.values_list("digest_id", *(f"{target}__{f}" for f in fields)):
        found[digest_pk].append(tuple(values))
    return found


# What no reader page shows of a digest, which may be long: the text it is searched by.
NEVER_SHOWN = ("search_text",)


class DigestQuerySet(models.QuerySet):
    def published(self):
        """Digests a reader may see: published, and not scheduled for later."""
        return self.filter(status=self.model.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Digests published with a future date: hidden until their published_at."""
        return self.filter(status=self.model.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self):
        """What a list of digest cards needs of the digests themselves: what the cards show of
        their categories and items is read as rows (blog.cards)."""
        return self.defer(*NEVER_SHOWN)

    def for_feed(self):
        """What a feed entry shows of the digest itself and its author: its content, its
        categories and tags are read as rows by blog.feeds, for all the entries at once."""
        return self.select_related("author").defer(*NEVER_SHOWN)

    def for_page(self):
        """What a digest's page needs of the digest itself and its author (blog.article
        reads the rest only to draw the page again)."""
        return self.select_related("author").defer(*NEVER_SHOWN)

    def search(self, query):
        """Full-text search on PostgreSQL, a word-by-word match elsewhere."""
        words = query.split()
        if not words:
            return self.none()
        if _on_postgresql(self.db):
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector("title", weight="A") + SearchVector("search_text", weight="B")
            search_query = SearchQuery(query, search_type="websearch")
            return (
                self.annotate(rank=SearchRank(vector, search_query))
                .filter(rank__gt=0)
                .order_by("-rank", "-published_at")
            )
        condition = Q()
        for word in words:
            condition &= Q(title__icontains=word) | Q(search_text__icontains=word)
        return self.filter(condition)


def _on_postgresql(alias):
    from django.db import connections

    return connections[alias].vendor == "postgresql"
