"""Signals the comments app sends, for apps layered above it (the page cache) to watch."""

from django.dispatch import Signal

# Comments were changed with QuerySet.update(), which sends no post_save: sent with
# sender=the model, rows=how many were updated and object_pks=the object_pk (the
# digest's pk, as text) of each comment updated.
comments_updated = Signal()
