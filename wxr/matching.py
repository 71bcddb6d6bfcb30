"""Finding what an earlier import made of a WordPress item: its id on its site decides.

A WordPress id names one item of one site for good; a guid is only meant to. Real
exports repeat guids (WordPress's Theme Unit Test has two pairs of posts sharing
one), so a guid only finds an item whose id is new here: one imported from the
site's former address, or one WordPress renumbered when the site moved. Rows from
before the site was recorded (source "") are found by id where their guid agrees.
"""

from collections import defaultdict

from django.db.models import Case, Q, Value, When
from django.utils import timezone

# The kinds of item the import keeps; their guids are compared.
KEPT_TYPES = {"post", "page", "attachment"}


class Matcher:
    def __init__(self):
        self.source = ""  # the site the file comes from: wxr.values.site_of
        self.ids = set()  # every item id in the file
        self.guids = defaultdict(list)  # guid -> ["post 568", "post 1158"]

    def see(self, post_type, wp_id, guid):
        """First pass: note an item's id, and its guid to tell the ones several items share."""
        self.ids.add(wp_id)
        if guid and post_type in KEPT_TYPES:
            self.guids[guid].append(f"{post_type} {wp_id}")

    def shared_guids(self):
        """A sentence for each guid that several items of the file carry."""
        for guid, items in self.guids.items():
            if len(items) > 1:
                names = ", ".join(items[:-1]) + f" and {items[-1]}"
                yield (
                    f"{names} share the guid {guid}: each is imported on its own and found "
                    "again by its WordPress id."
                )

    def find(self, model, wp_id, guid, path="", **extra):
        """The row an earlier import made for this item (``path``: its old permalink), or None."""
        rows = model.objects.filter(**extra)
        earlier = Q(source="")
        if guid:
            earlier &= Q(guid=guid) | Q(guid__isnull=True) | Q(guid="")
        here = Q(source=self.source) | earlier if self.source else earlier
        first_here = Case(When(source=self.source, then=Value(0)), default=Value(1))
        found = rows.filter(here, wp_id=wp_id).order_by(first_here, "-pk").first()
        if found is not None or not guid:
            return found
        # A row of this site whose id is in the file belongs to that item, whatever its guid.
        ours = {self.source, ""}
        candidates = [
            row
            for row in rows.filter(guid=guid).order_by("pk")
            if not (row.source in ours and row.wp_id in self.ids)
        ]
        # The same id, else the same old permalink (a renumbered post keeps it), else the oldest.
        candidates.sort(key=lambda row: (row.wp_id != wp_id, row.old_path != path))
        return candidates[0] if candidates else None

    def keep(self, model, mapping, values):
        """Create or update an item's row (``values`` by attname); (row, whether it changed)."""
        values = {"source": self.source, **values}
        if mapping is None:
            return model.objects.create(**values), True
        changed = {key: value for key, value in values.items() if getattr(mapping, key) != value}
        if changed:
            for key, value in changed.items():
                setattr(mapping, key, value)
            if hasattr(mapping, "imported_at"):
                changed["imported_at"] = timezone.now()
            model.objects.filter(pk=mapping.pk).update(**changed)
        return mapping, bool(changed)
