"""The editor's admin: digests with their sortable items, revisions, autosave, preview.

Split by concern: items.py (the item inline and page), digests.py (DigestAdmin),
actions.py (the digest list's bulk actions), drafting.py (autosave, live preview, a new
digest from another), revisions.py (comparing versions), others.py (the rest).
"""

from .digests import DigestAdmin
from .items import MediaItemAdmin, MediaItemInline
from .others import CategoryAdmin, LibraryImageAdmin, MenuLinkAdmin, TagAdmin

__all__ = [
    "CategoryAdmin", "DigestAdmin", "LibraryImageAdmin", "MediaItemAdmin", "MediaItemInline",
    "MenuLinkAdmin", "TagAdmin",
]  # fmt: skip
