import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from caching import replay  # noqa: E402  (needs the settings get_wsgi_application() set up)
from config.middleware import request_id_for  # noqa: E402


def application(environ, start_response):
    """Django, with the page cache's hits it has served once answered before it
    (caching.replay): the same bytes and headers, and a request id of their own
    (config.middleware.RequestIDMiddleware's rule)."""
    where = replay.place(environ)
    if where is None:
        return django_application(environ, start_response)
    hit = replay.serve(where)
    if hit is not None:
        headers, body = hit
        rid = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response("200 OK", [*headers, ("X-Request-ID", rid)])
        return [body]

    def start(status, headers, exc_info=None):
        replay.remember(where, environ, status, headers)
        return start_response(status, headers, exc_info)

    return django_application(environ, start)


def import_views():
    """Import every view module now, as a worker's first requests would (the URLconf walked
    through its includes): gunicorn.conf.py does before freezing what the worker holds."""
    from django.urls import get_resolver

    def walk(patterns):
        for pattern in patterns:
            walk(getattr(pattern, "url_patterns", ()))

    walk(get_resolver().url_patterns)
