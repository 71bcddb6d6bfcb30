from django import template
from django.utils.translation import gettext_lazy as _

from ..views import PLACES, account_address, place

register = template.Library()

TITLES = {"sidebar": _("Follow by email"), "digest": _("Get the next digest by email")}


@register.inclusion_tag("followers/_form.html", takes_context=True)
def follow_form(context, where):
    """The follow form (where: "sidebar" or "digest"); its answer shows inside it."""
    if where not in PLACES:
        raise template.TemplateSyntaxError(f"follow_form: where is one of {PLACES}")
    request = context["request"]
    return {
        "request": request,
        "messages": context.get("messages", ()),
        "where": where,
        "place": place(where),
        "title": TITLES.get(where, TITLES["sidebar"]),
        "next": request.get_full_path(),
        "signed_in": bool(account_address(request)),
        "csrf_token": context.get("csrf_token"),
    }
