"""Where a small form (follow, like) sends the reader back to: the page it stood on."""

from django.utils.http import url_has_allowed_host_and_scheme


def page_posted_from(request, fallback):
    """The form's `next` (a page of this site only, without its #fragment), else fallback."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target.split("#")[0]
    return fallback
