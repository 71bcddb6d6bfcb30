"""Webmentions (W3C): received at /webmention/, verified and moderated; sent on publish.

Libraries: mf2py reads a source's microformats and mf2util interprets its h-entry
(reply, like, author by the authorship algorithm), both given the bytes that blog.fetch
fetched, never an address to fetch themselves. Evaluated and not used:
django-webmention 4.0 fetches the source itself with requests.get (no check of the
address, no size limit, in the request), tests for the target as a substring, and
sends nothing; the `webmention` package's releases that run on Python 3.11 (0.0.x)
are a stub around requests, and 0.1 needs Python < 3.11.
"""
