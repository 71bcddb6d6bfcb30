"""`/healthz` (the process answers) and `/readyz` (database, cache, storage and the task
queue) for load balancers, systemd watchdogs and monitoring.

Answered by a middleware placed before SecurityMiddleware and CommonMiddleware, so a
probe needs neither a listed host name nor HTTPS, and never touches sessions.
"""

import logging
import os
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.models import Count, Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    """A round trip through the cache; errors are raised even by the fail-safe backend."""
    if hasattr(cache, "ping"):
        cache.ping()
        return
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def check_storage():
    """Media storage is reachable: the folder is writable, or the bucket answers."""
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        location = storage.location
        if not (os.path.isdir(location) and os.access(location, os.W_OK)):
            raise RuntimeError("the media folder is missing or not writable")
        return
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # django-storages' S3Storage
        bucket.meta.client.head_bucket(Bucket=bucket.name)
        return
    storage.exists("readyz-probe")


def check_tasks():
    """How many tasks are due and how long the oldest has waited (seconds since it was
    enqueued, or since its run_after); not ok past TASKS_MAX_WAIT_SECONDS."""
    undeferred = Q(run_after=get_date_max())
    due = DBTaskResult.objects.ready().aggregate(
        count=Count("pk"),
        enqueued=Min("enqueued_at", filter=undeferred),
        deferred=Min("run_after", filter=~undeferred),
    )
    since = min((t for t in (due["enqueued"], due["deferred"]) if t), default=None)
    age = max(0.0, (timezone.now() - since).total_seconds()) if since else 0.0
    return {
        "ok": age <= settings.TASKS_MAX_WAIT_SECONDS,
        "waiting": due["count"],
        "oldest_seconds": round(age, 1),
    }


# Name, check, and whether the node can serve without it. Every node shares the one
# cache, and the site serves uncached while it is down; taking every node out of the
# load balancer for it would turn a slower site into no site. The same goes for a queue
# that waits too long (no worker running, say): mail is late, pages are fine.
CHECKS = (
    ("database", check_database, True),
    ("cache", check_cache, False),
    ("storage", check_storage, True),
    ("tasks", check_tasks, False),
)


def readiness():
    """Run every check; returns (ready, details). A check raises on failure, or returns
    figures of its own ("ok" among them, if it can fail without raising)."""
    details = {}
    ready = True
    for name, check, required in CHECKS:
        started = time.perf_counter()
        try:
            result = check()
        except Exception as exc:  # any failure is a finding, not a crash
            logger.warning("Readiness check %s failed: %s", name, type(exc).__name__)
            details[name] = {"ok": False, "error": type(exc).__name__}
        else:
            details[name] = {"ok": True, **(result or {})}
        if not details[name]["ok"]:
            details[name]["required"] = required
            ready = ready and not required
        details[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return ready, details


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            response = JsonResponse({"status": "ok"})
        elif path == "/readyz":
            ready, checks = readiness()
            degraded = not all(check["ok"] for check in checks.values())
            status = "ok" if not degraded else ("degraded" if ready else "unavailable")
            response = JsonResponse(
                {"status": status, "checks": checks}, status=200 if ready else 503
            )
        else:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
