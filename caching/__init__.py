"""Whole pages and shared fragments for readers, from the shared cache (see caching.middleware)."""
