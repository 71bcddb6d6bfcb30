"""{% fragment "name" value… %}…{% endfragment %}: a part of a template that is the same
for every reader, rendered once and shared (caching.fragments) until anything changes.

The name and values make the key: give every value the part depends on (a page number,
an object's id). Nothing personal may go inside: no form, no request.user. A part that
shows comment counts says so with a last `about "comments"` (blog.fragments.COMMENTS):
it then changes with every comment too.
"""

from django import template

from caching import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, parts, about):
        self.nodelist, self.parts, self.about = nodelist, parts, about

    def render(self, context):
        key = ("tag", *(part.resolve(context) for part in self.parts))
        about = () if self.about is None else (self.about.resolve(context),)
        return fragments.cached(key, lambda: self.nodelist.render(context), about)


@register.tag
def fragment(parser, token):
    parts = token.split_contents()[1:]
    if not parts:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    about = None
    if len(parts) > 2 and parts[-2] == "about":
        about, parts = parser.compile_filter(parts[-1]), parts[:-2]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, [parser.compile_filter(part) for part in parts], about)
