import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from blog.models import Digest, MediaItem
from tools import bench

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^(?P<page>[a-z0-9 ]+?)\s+(?P<status>\d{3})\s+(?P<median>\d+\.\d)\s+(?P<p90>\d+\.\d)"
    r"\s+(?P<queries>\d+)\s+(?P<bytes>\d+)$"
)


def table_rows(output):
    return {m["page"]: m for m in map(ROW.match, output.splitlines()) if m}


@pytest.mark.django_db
def test_bench_prints_a_table_and_leaves_no_data_behind():
    before = Digest.objects.count()
    out = StringIO()

    bench.main(["--digests", "3", "--runs", "2", "--use-current-db"], out=out)

    output = out.getvalue()
    assert "Python 3." in output
    assert "Django 5.2" in output
    assert "database " in output
    assert "page" in output and "median ms" in output and "p90 ms" in output
    rows = table_rows(output)
    assert {"home", "digest", "home page 2"} <= rows.keys()
    # The feed is measured once the URL exists, or named as skipped.
    assert "rss feed" in rows or "rss feed skipped" in output
    for row in rows.values():
        assert float(row["median"]) > 0
        assert float(row["p90"]) >= float(row["median"]) or int(row["status"]) >= 400
        assert int(row["bytes"]) > 0
    assert int(rows["home"]["queries"]) > 0
    # Everything bench seeded is rolled back.
    assert Digest.objects.count() == before
    assert not MediaItem.objects.exists()


def test_bench_uses_a_throwaway_database(tmp_path):
    """Run as `make bench` does, against a developer database that must stay untouched."""
    developer_db = tmp_path / "developer.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{developer_db}",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, "tools/bench.py", "--digests", "12", "--items", "3", "--runs", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "throwaway test database" in result.stdout
    rows = table_rows(result.stdout)
    assert {"home", "digest", "home page 2"} <= rows.keys()
    assert not developer_db.exists()
