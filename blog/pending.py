"""Uploads kept across a failed admin save.

Browsers cannot refill a file input, so when the digest or another item fails
validation an uploaded image would be lost. A valid upload is therefore stashed
in storage under ``PENDING_PREFIX`` and named in a signed hidden field; the next
submit without a new file uses the stashed copy. `manage.py purge_pending_uploads`
deletes stashes nobody came back for.
"""

import contextlib
import logging
import os
import uuid
from datetime import timedelta

from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

PENDING_PREFIX = "uploads-pending/"
PENDING_SALT = "blog.forms.pending-image"
PENDING_MAX_AGE = timedelta(days=1)


def stash_upload(upload):
    """Copy an upload into the pending area; return a signed token naming it."""
    name = os.path.basename(upload.name or "image")
    path = default_storage.save(f"{PENDING_PREFIX}{uuid.uuid4().hex}/{name}", upload)
    upload.seek(0)
    return signing.dumps({"path": path, "name": name}, salt=PENDING_SALT)


def read_pending_token(token):
    """The stash a token names, as {"path", "name"}, or None if the token is bad or expired."""
    try:
        value = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    path = value.get("path", "") if isinstance(value, dict) else ""
    # Signed by us, but check anyway: the path must stay inside the pending area.
    if not path.startswith(PENDING_PREFIX) or ".." in path.split("/"):
        return None
    return {"path": path, "name": os.path.basename(value.get("name") or path)}


def discard_stash(path):
    """Delete a stashed file and its now-empty folder."""
    try:
        default_storage.delete(path)
        folder = os.path.dirname(default_storage.path(path))
    except NotImplementedError:  # storage without local paths: nothing more to tidy
        return
    except OSError:
        logger.warning("Could not delete the pending upload %s", path, exc_info=True)
        return
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def purge_pending_uploads(older_than=PENDING_MAX_AGE):
    """Delete stashes whose tokens have expired; returns how many. Run daily (cron)."""
    cutoff = timezone.now() - older_than
    removed = 0
    try:
        folders, _ = default_storage.listdir(PENDING_PREFIX)
    except FileNotFoundError:
        return 0
    for folder in folders:
        _, files = default_storage.listdir(f"{PENDING_PREFIX}{folder}")
        for name in files:
            path = f"{PENDING_PREFIX}{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                discard_stash(path)
                removed += 1
    return removed
