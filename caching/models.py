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
