"""`make loadtest` only (DJANGO_LOADTEST=1): the yardstick, a plain view of this app.

It answers a fixed body of the size asked for, through the same middleware as every
page, so the load test can say how close a cached page comes to doing nothing at all.
"""

from functools import lru_cache

from django.http import HttpResponse
from django.urls import path

MAX_BYTES = 5_000_000


@lru_cache(maxsize=16)
def _body(size):
    line = b"x" * 79 + b"\n"
    return line * (size // len(line)) + b"x" * (size % len(line))


def plain(request, size):
    return HttpResponse(_body(min(size, MAX_BYTES)), content_type="text/html; charset=utf-8")


urlpatterns = [path("_loadtest/plain/<int:size>/", plain, name="loadtest-plain")]
