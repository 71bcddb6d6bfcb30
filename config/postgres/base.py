"""Django's PostgreSQL backend, with a limit on how long any answer may take.

libpq waits for an answer forever. TCP keepalives and `tcp_user_timeout` end a connection
to a host that stopped acknowledging, and `statement_timeout` ends slow statements, but
a peer that acknowledges and then says nothing (a hung server or pooler, a proxy that
stopped forwarding) would hold the worker until gunicorn kills it. Here every wait has
a deadline (OPTIONS["answer_timeout"], seconds; settings.py sets it a little above the
statement timeout, so slow statements are still cancelled cleanly by the server first):
past it the connection is closed and OperationalError raised, which readers see as
the 503 page.
"""

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors


class DeadlineConnection(psycopg.Connection):
    """psycopg's connection, giving up on an answer after `answer_timeout` seconds."""

    answer_timeout = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is not None or not self.answer_timeout:
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.answer_timeout)
        except errors._WaitTimeout:  # noqa: SLF001 (psycopg's own signal for a deadline)
            # Half a conversation is lost: the connection can never be used again.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.answer_timeout:g} s"
            ) from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        self.answer_timeout = params.pop("answer_timeout", None)
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.answer_timeout:
            # psycopg 3 takes no connection class in connect(): make this one ours.
            connection.__class__ = DeadlineConnection
            connection.answer_timeout = self.answer_timeout
        return connection

    def is_usable(self):
        """Django's health check of a kept connection (SELECT 1), answered within the
        connect timeout: a dead connection costs that, then a new one is made."""
        if self.connection is None or not self.answer_timeout:
            return super().is_usable()
        connect_timeout = self.settings_dict["OPTIONS"].get("connect_timeout")
        self.connection.answer_timeout = min(self.answer_timeout, connect_timeout or 2)
        try:
            return super().is_usable()
        finally:
            self.connection.answer_timeout = self.answer_timeout
