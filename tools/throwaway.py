"""A database of a benchmark's own, made as the test runner makes one and destroyed after."""

import sqlite3
from contextlib import contextmanager

from django.db import connection


@contextmanager
def throwaway_database(prefix, sqlite_file=None):
    """Yield the name of a new, migrated database; it is destroyed on the way out.

    On SQLite it lives in memory, or in ``sqlite_file``. Elsewhere it is called
    ``<prefix>_<database>``, never the test suite's name: autoclobber would drop a test
    database in use.
    """
    old_name = connection.settings_dict["NAME"]
    old_test = dict(connection.settings_dict.get("TEST") or {})
    if connection.vendor == "sqlite" and sqlite_file:
        connection.settings_dict["TEST"] = {**old_test, "NAME": str(sqlite_file)}
    elif connection.vendor != "sqlite" and not old_test.get("NAME"):
        connection.settings_dict["TEST"] = {**old_test, "NAME": f"{prefix}_{old_name}"}
    created = False
    try:
        name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, keepdb=False, serialize=False
        )
        created = True
        yield name
    finally:
        if created:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        connection.settings_dict["TEST"] = old_test


def database_description():
    """The database's kind and version, as "sqlite 3.40.1" or "postgresql 16.2"."""
    if connection.vendor == "sqlite":
        return f"sqlite {sqlite3.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 160002
        return f"postgresql {version // 10000}.{version % 10000}"
    return connection.vendor
