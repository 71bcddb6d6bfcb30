"""tools/bench_wxr.py generates a WordPress export and reports how fast import_wxr reads it.

No timing is asserted: the figures depend on the machine. The test checks that the
script runs, imports what it generated, and prints the figures.
"""

import io
import re

import pytest

from blog.models import Digest
from tools import bench_wxr
from tools.generate_wxr import write_export
from wxr.importer import Importer

pytestmark = pytest.mark.django_db


def test_bench_prints_items_per_second_and_peak_memory():
    out = io.StringIO()
    bench_wxr.main(["--posts", "6", "--comments", "3", "--use-current-db"], out=out)
    report = out.getvalue()
    assert re.search(r"Generated export.xml: [\d.]+ MB, 6 posts, 6 attachments", report)
    assert re.search(r"[\d,.]+ items/s, [\d,.]+ comments/s", report)
    assert re.search(r"Peak memory: \d+ MB resident", report)
    assert "Created: 6 posts" in report and "6 files" in report
    assert not Digest.objects.exists()  # rolled back


def test_generated_export_imports_cleanly(tmp_path):
    path, uploads = tmp_path / "export.xml", tmp_path / "uploads"
    with path.open("w") as out:
        counts = write_export(out, uploads, posts=4, comments=4, images=2)
    summary = Importer(path, uploads_dir=uploads).run()
    assert summary.tallies["posts"].created == counts["posts"] == 4
    assert summary.tallies["files"].created == counts["attachments"] == 8
    comments = summary.tallies["comments"]
    assert comments.created + sum(comments.skipped.values()) == counts["comments"]
    assert summary.warnings == []
    items = Digest.objects.get(slug="post-1").media_items.values_list("kind", flat=True)
    # A YouTube line, two captioned images, and a heading that takes the [embed] below it.
    assert list(items) == ["video", "image", "image", "video"]
