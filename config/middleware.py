"""Request plumbing for production: request ids, the client's address behind the proxy,
and a static 503 page while the database is unreachable."""

import ipaddress
import logging
import re
import sys
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from config.logging import request_id

logger = logging.getLogger(__name__)

# An id from the proxy or the client is kept only if it is short and plain.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestIDMiddleware:
    """Tag each request with an id: X-Request-ID if sane, else a new one; sent back too.

    The id is in every log record made during the request (config/logging.py) and in
    gunicorn's access-log line, which reads it from the response header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_for(request.headers.get("X-Request-ID", ""))
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        # No body for HEAD (RFC 9110): gunicorn would drop it, with a warning every time.
        if request.method == "HEAD" and not response.streaming:
            response.content = b""
        return response


def request_id_for(incoming):
    """The id of a request that came with X-Request-ID `incoming` (may be empty)."""
    return incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _networks(value):
    networks = []
    for item in value.split(","):
        item = item.strip()
        if item == "*":
            return None  # trust every hop
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return networks


class ProxiedClientIPMiddleware:
    """Behind the proxy, REMOTE_ADDR becomes the client's address from X-Forwarded-For.

    Only when the connection comes from a trusted proxy (FORWARDED_ALLOW_IPS, the same
    list gunicorn trusts for X-Forwarded-Proto): the rightmost address that is not a
    trusted proxy is the client. Comment flood and rate limits count per address, so
    without this every reader would share the proxy's 127.0.0.1.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = _networks(settings.FORWARDED_ALLOW_IPS)

    def _is_trusted(self, value):
        if self.trusted is None:
            return True
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def __call__(self, request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        peer = request.META.get("REMOTE_ADDR", "")
        if forwarded and self._is_trusted(peer):
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            client = None
            for hop in reversed(hops):
                client = hop
                if not self._is_trusted(hop):
                    break
            try:
                if client:
                    request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(client))
            except ValueError:
                pass  # not an address: keep the proxy's
        return self.get_response(request)


def service_unavailable():
    """The static 503 page: no template context, nothing from the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once below, without the traceback Django would add.
    response._has_been_logged = True
    return response


def database_unavailable(request, exception):
    """The 503 page if `exception` says the database can't be reached (logged once, as a
    warning without traceback); None for any other exception."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    logger.warning(
        "Database unavailable (%s): %s %s answered 503",
        type(exception).__name__,
        request.method,
        request.path,
    )
    return service_unavailable()


class DatabaseUnavailableMiddleware:
    """While the database can't be reached, readers get a static 503 with Retry-After.

    A connection that failed is closed at the end of the request (CONN_HEALTH_CHECKS
    and Django's request_finished handler), so the site recovers by itself when the
    database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable(request, exception)


def server_error(request):
    """handler500: an outage met outside a view (in a middleware such as the page cache's,
    which reads its generation or the session first) is the 503 page too."""
    return database_unavailable(request, sys.exc_info()[1]) or defaults.server_error(request)


class RequestSizeLimitMiddleware:
    """Refuse a body larger than this endpoint takes (413), before any of it is read.

    Staff (editors uploading images in the admin) may send DJANGO_MAX_REQUEST_BYTES; every
    other request, e.g. a comment, MAX_PUBLIC_REQUEST_BYTES. Django never reads past
    Content-Length (a body without one, chunked, is not read at all), so checking the
    header is enough. Placed after AuthenticationMiddleware and before any view reads POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        limit = settings.MAX_PUBLIC_REQUEST_BYTES
        if length > limit and getattr(request, "user", None) and request.user.is_staff:
            limit = settings.MAX_REQUEST_BYTES
        if length <= limit:
            return self.get_response(request)
        logger.warning("Request body of %d bytes refused (at most %d here)", length, limit)
        return HttpResponse(
            f"This request is too large: {length:,} bytes, and at most {limit:,} are accepted "
            "here. Nothing was saved.\n",
            status=413,
            content_type="text/plain; charset=utf-8",
            headers={"Connection": "close"},
        )
