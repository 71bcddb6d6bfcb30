"""Whole pages for anonymous readers, from the shared cache (see caching.pages)."""
