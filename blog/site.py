"""The site's public address, for links read away from the site: mails and exports."""

from django.conf import settings
from django.contrib.sites.models import Site


def site_url(path=""):
    """An absolute address on this site: the Sites row's domain, https when served over HTTPS."""
    scheme = "https" if settings.HTTPS else "http"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"
