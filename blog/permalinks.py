"""Which published digest an address names: for addresses other sites hand us (oEmbed
requests, webmention targets)."""

from urllib.parse import urlsplit

from django.contrib.sites.models import Site
from django.urls import Resolver404, resolve

from .fetch import DEFAULT_PORTS
from .models import Digest


def host_of(url):
    """'host[:port]' of an http(s) address (lower case, default port left out), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def our_hosts(request=None):
    """The hosts our digests are found at: the site's domain, and the request's host."""
    hosts = {Site.objects.get_current().domain.lower()}
    if request is not None:
        hosts.add(request.get_host().lower())
    return hosts


def published_digest(url, hosts):
    """The published digest whose permalink url is (on one of hosts, http or https), or None."""
    if host_of(url) not in hosts:
        return None
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "blog:digest-detail":
        return None
    digest = Digest.objects.published().filter(slug=match.kwargs["slug"]).first()
    return digest if digest and digest.get_absolute_url() == path else None
