from django.db import models


class Generation(models.Model):
    """One row: bumped, in the same transaction, whenever anything a reader sees changes.

    Only read when the cache is local to each process (LocMemCache): several gunicorn
    workers then share no cache, but they share the database. With a shared cache
    (Redis) the generation lives in the cache itself, next to the pages.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return f"page generation {self.value}"


class Drawing(models.Model):
    """A part of a page drawn once for every reader, kept while what it was drawn from is
    unchanged (caching.drawings): a digest's card, a feed entry's content."""

    key = models.CharField(max_length=100, primary_key=True)
    # A hash of everything the part was drawn from (data, templates, language).
    version = models.CharField(max_length=32)
    html = models.TextField()

    class Meta:
        ordering = ("key",)

    def __str__(self):
        return self.key
