"""Whether digests saved now are news, for the apps that tell readers about new ones.

Imports and the demo save digests nobody should be told about; they do it inside
`not_news()`. blog itself mails nobody: it only keeps the flag (a context variable, so
one thread's import says nothing about another thread's request).
"""

from contextlib import contextmanager
from contextvars import ContextVar

_quiet = ContextVar("blog_not_news", default=False)


@contextmanager
def not_news():
    """Digests saved inside the block are never announced."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_news():
    return not _quiet.get()
