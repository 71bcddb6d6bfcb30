"""What an import did: created, updated, unchanged and skipped per kind, and every warning."""

from collections import Counter
from dataclasses import dataclass, field

KINDS = (
    "authors", "categories", "tags", "posts", "pages", "attachments", "files", "comments", "other",
)  # fmt: skip


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)


class Summary:
    def __init__(self, dry_run=False):
        self.tallies = {kind: Tally() for kind in KINDS}
        self.warnings = []
        self.dry_run = dry_run

    def count(self, kind, outcome, reason=None):
        tally = self.tallies[kind]
        if outcome == "skipped":
            tally.skipped[reason or "not imported"] += 1
        else:
            setattr(tally, outcome, getattr(tally, outcome) + 1)

    def warn(self, message):
        self.warnings.append(message)

    def lines(self):
        rows = [("", "created", "updated", "unchanged", "skipped")]
        for kind, t in self.tallies.items():
            skipped = sum(t.skipped.values())
            if t.created or t.updated or t.unchanged or skipped:
                rows.append((kind, str(t.created), str(t.updated), str(t.unchanged), str(skipped)))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        out = [
            "  ".join([row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 5)])
            for row in rows
        ]
        for kind, t in self.tallies.items():
            if t.skipped:
                reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(t.skipped.items()))
                out.append(f"skipped {kind}: {reasons}")
        if self.warnings:
            out.append(f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}:")
            out.extend(f"  - {w}" for w in self.warnings)
        else:
            out.append("No warnings.")
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out
