"""The backup commands of docs/deploy.md, run for real: SQLite's `.backup` and
`VACUUM INTO` on a live WAL database (and why a plain copy is not a backup), and a
PostgreSQL `pg_dump` / `pg_restore` round trip of a migrated database."""

import os
import shutil
import sqlite3
import subprocess
import uuid

import psycopg
import pytest

from tests.ops_helpers import ops_media, ops_postgres  # noqa: F401 (fixtures)


def tool(name):
    path = shutil.which(name)
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    return path


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603


def count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM comment").fetchone()[0]


def test_sqlite_backup_of_a_live_database(tmp_path):
    sqlite = tool("sqlite3")
    live = tmp_path / "db.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # recent commits stay in db.sqlite3-wal
    writer.execute("CREATE TABLE comment (id INTEGER PRIMARY KEY, body TEXT)")
    for n in range(500):
        writer.execute("INSERT INTO comment (body) VALUES (?)", (f"comment {n}",))

    try:
        run(sqlite, str(live), f".backup '{tmp_path / 'backup.sqlite3'}'")
        run(sqlite, str(live), f"VACUUM INTO '{tmp_path / 'vacuumed.sqlite3'}'")
        shutil.copy(live, tmp_path / "copied.sqlite3")  # what not to do
    finally:
        writer.close()

    for name in ("backup.sqlite3", "vacuumed.sqlite3"):
        assert count(tmp_path / name) == 500
        assert run(sqlite, str(tmp_path / name), "PRAGMA integrity_check").stdout.strip() == "ok"
    # The file alone misses every commit still in the -wal file.
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        count(tmp_path / "copied.sqlite3")


def test_postgres_dump_and_restore_round_trip(ops_postgres, tmp_path):  # noqa: F811
    pg_dump, pg_restore = tool("pg_dump"), tool("pg_restore")
    dump = tmp_path / "digestblog.dump"
    run(pg_dump, "--format=custom", f"--file={dump}", ops_postgres)

    admin_url = ops_postgres.rsplit("/", 1)[0] + "/postgres"
    name = f"digestblog_restore_{uuid.uuid4().hex[:8]}"
    restored = ops_postgres.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(pg_restore, "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump))
        query = (
            "SELECT (SELECT count(*) FROM blog_digest), (SELECT count(*) FROM blog_mediaitem),"
            " (SELECT max(id) FROM django_migrations)"
        )
        with psycopg.connect(ops_postgres) as original, psycopg.connect(restored) as copy:
            expected = original.execute(query).fetchone()
            assert copy.execute(query).fetchone() == expected
        assert expected[0] >= 1 and expected[1] >= 1
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
