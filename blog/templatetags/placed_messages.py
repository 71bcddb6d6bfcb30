"""Messages shown where the reader is looking: next to the form that was sent.

A view that answers a form by redirecting adds its message with the extra tags
"placed <place>"; the form's template shows `messages|placed:"<place>"` inside it (with
role="status"), and base.html shows only `messages|unplaced` at the top of the page.
"""

from django import template

register = template.Library()


@register.filter
def placed(messages, place):
    """The messages for the form at `place`."""
    return [m for m in messages if "placed" in m.tags.split() and place in m.tags.split()]


@register.filter
def unplaced(messages):
    """The messages no form shows itself."""
    return [m for m in messages if "placed" not in m.tags.split()]
