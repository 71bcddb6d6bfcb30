"""WordPress authors → users, categories (with their parents) and tags → ours."""

import re
from urllib.parse import unquote

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from blog.models import Category, Tag

from .media import plain
from .models import WordPressTerm as Term
from .values import make_slug, number, source_hash, truncate


class Authors:
    """An author is matched to an existing user by email, then by user name; otherwise a
    user is made without a usable password (they can't sign in until given one)."""

    def __init__(self, summary):
        self.summary = summary
        self.by_login, self.by_wp_id = {}, {}

    def add(self, login, record):
        User = get_user_model()
        email = record.get("wp:author_email", "").strip()[:254]
        user = User.objects.filter(email__iexact=email).order_by("pk").first() if email else None
        if user is None:
            user = User.objects.filter(username=username(login)).first()
        if user is not None:
            self.summary.count("authors", "unchanged")
        else:
            first = record.get("wp:author_first_name", "").strip()
            last = record.get("wp:author_last_name", "").strip()
            if not (first or last):
                first = record.get("wp:author_display_name", "").strip()
            user = User(
                username=free_username(username(login)),
                email=email,
                first_name=first[:150],
                last_name=last[:150],
            )
            user.set_unusable_password()
            user.save()
            self.summary.count("authors", "created")
        self.by_login[login] = user
        wp_id = number(record.get("wp:author_id"), None)
        if wp_id:
            self.by_wp_id[wp_id] = user
        return user

    def get(self, login):
        login = (login or "").strip()
        if not login:
            return None
        if login not in self.by_login:
            # WXR 1.0 has no list of authors: dc:creator is all there is.
            self.add(login, {"wp:author_login": login})
        return self.by_login[login]


def username(login):
    return re.sub(r"[^\w.@+-]", "_", login.strip())[:150] or "wordpress"


def free_username(name):
    User = get_user_model()
    candidate, n = name, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{name[: 150 - len(str(n)) - 1]}-{n}"
    return candidate


class Terms:
    """Categories and tags, found again by their WordPress slug (wxr.models.WordPressTerm).

    A WordPress slug that does not fit ours (non-ASCII, too long) gets a slug made
    from the name; the old one is kept so /category/<old>/ still finds it.
    """

    def __init__(self, summary):
        self.summary = summary
        self.done = {}

    def add_categories(self, categories):
        """Parents before their children; a loop in the parents is cut where found."""
        by_slug = {c["slug"]: c for c in categories}
        visited = set()

        def visit(category, trail):
            slug = category["slug"]
            if slug in visited:
                return
            parent_slug, parent = category.get("parent", ""), None
            if parent_slug in trail:
                self.summary.warn(f"Category {slug!r}: its parents form a loop; made top-level.")
            elif parent_slug in by_slug:
                visit(by_slug[parent_slug], trail | {slug})
                parent = self.done.get((Term.Taxonomy.CATEGORY, key_slug(parent_slug, "")))
            visited.add(slug)
            self.get(
                Term.Taxonomy.CATEGORY, slug, category["name"],
                description=category.get("description", ""), parent=parent,
                term_id=category["term_id"],
            )  # fmt: skip

        for category in categories:
            visit(category, frozenset())

    def get(self, taxonomy, wp_slug, name, *, description="", parent=None, term_id=None):
        """The Category or Tag for a WordPress term, made or updated once per run."""
        if (taxonomy, key_slug(wp_slug, "")) in self.done:
            return self.done[(taxonomy, key_slug(wp_slug, ""))]
        name = truncate(plain(name), 100)
        key = (taxonomy, key_slug(wp_slug, name))
        if key in self.done:
            return self.done[key]
        is_category = taxonomy == Term.Taxonomy.CATEGORY
        Model, kind = (Category, "categories") if is_category else (Tag, "tags")
        mapping = Term.objects.filter(taxonomy=taxonomy, slug=key[1]).first()
        obj = (mapping.category if is_category else mapping.tag) if mapping else None
        created = False
        if obj is None:
            fallback = f"{Model.__name__.lower()}-{term_id or source_hash(key)[:8]}"
            slug = make_slug(key[1], name, max_length=100, fallback=fallback)
            obj = Model.objects.filter(slug=slug).first()
            if obj is None:
                obj, created = Model(slug=slug), True
        wanted = {"name": name or obj.slug}
        if is_category:
            wanted["description"] = plain(description)
            if parent is not None and parent.pk != obj.pk:
                wanted["parent"] = parent
        changed = [f for f, value in wanted.items() if getattr(obj, f) != value]
        for f in changed:
            setattr(obj, f, wanted[f])
        if created or changed:
            obj.save()
        self.summary.count(kind, "created" if created else "updated" if changed else "unchanged")
        if mapping is None:
            target = {"category": obj} if is_category else {"tag": obj}
            Term.objects.create(taxonomy=taxonomy, slug=key[1], term_id=term_id, **target)
        elif term_id and mapping.term_id != term_id:
            Term.objects.filter(pk=mapping.pk).update(term_id=term_id)
        self.done[key] = obj
        return obj

    def of_post(self, record):
        """([Category], [Tag]) named by an item's <category> elements."""
        categories, tags = [], []
        for domain, nicename, name in record["categories"]:
            if domain in {"", "category"}:  # WXR 1.0 also lists categories without a domain
                found, taxonomy = categories, Term.Taxonomy.CATEGORY
            elif domain in {"post_tag", "tag"}:
                found, taxonomy = tags, Term.Taxonomy.TAG
            else:
                continue
            obj = self.get(taxonomy, nicename or slugify(plain(name)), name)
            if obj not in found:
                found.append(obj)
        return categories, tags


def key_slug(wp_slug, name):
    """The WordPress slug as its URLs show it, decoded; from the name if there is none."""
    return (unquote(wp_slug or "").strip() or slugify(name) or name)[:500]
