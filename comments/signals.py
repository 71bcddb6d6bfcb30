"""Signals the comments app sends, for apps layered above it (the page cache) to watch."""

from django.dispatch import Signal

# Comments were changed with QuerySet.update(), which sends no post_save: sent with
# sender=the model and rows=how many were updated.
comments_updated = Signal()
