import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def import_views():
    """Import every view module now, as a worker's first requests would (the URLconf walked
    through its includes): gunicorn.conf.py does before freezing what the worker holds."""
    from django.urls import get_resolver

    def walk(patterns):
        for pattern in patterns:
            walk(getattr(pattern, "url_patterns", ()))

    walk(get_resolver().url_patterns)
