"""A throwaway PostgreSQL database: created for one run, migrated, dropped at the end.

One run at a time per database name: `create()` takes a PostgreSQL advisory lock on an admin
connection held for the whole run (released on any exit, even a crash), so a second run stops at
once instead of dropping the database of one in progress. A database left by an interrupted run
is dropped and created again.
"""

from __future__ import annotations

import sys
from typing import Any

from .cpu import parent_of
from .environment import PG_ADMIN_URL, PG_SERVER
from .processes import Processes

LOCK_CLASS = 7_100_420  # advisory lock (class, hashtext(database name)): one run per database
PG_HELPERS = ("walwriter", "background writer", "checkpointer")


class ThrowawayDatabase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.conninfo = f"postgresql://{PG_SERVER}/{name}"  # for psycopg
        self.admin: Any = None  # the lock's connection
        self.created = False

    def create(self) -> None:
        import psycopg

        self.admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
        locked = self.admin.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_CLASS, self.name]
        ).fetchone()[0]
        if not locked:
            self.admin.close()
            self.admin = None
            raise RuntimeError(f"another bench run holds the database {self.name}; try later")
        exists = self.admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
        ).fetchone()
        if exists:
            print(f"note: dropping {self.name} left over from an interrupted run", flush=True)
            self.admin.execute(f'DROP DATABASE "{self.name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    def migrate(self, procs: Processes) -> None:
        """`manage.py migrate` with the processes' environment (production settings)."""
        procs.run_command(sys.executable, "manage.py", "migrate", "--noinput")

    def drop(self) -> bool:
        """Drop the database and release the lock; whether there was a database to drop."""
        if self.admin is None:
            return False
        dropped = self.created
        try:
            if self.created:
                self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                self.created = False
        finally:
            self.admin.close()
            self.admin = None
        return dropped

    def connect(self) -> Any:
        """A new psycopg connection to the database, in autocommit."""
        import psycopg

        return psycopg.connect(self.conninfo, autocommit=True)

    def sessions(self, conn: Any) -> int:
        """Sessions established to the database so far (PostgreSQL 14+)."""
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [self.name]
        ).fetchone()
        return int(row[0] or 0)

    def count(self, conn: Any, table: str, where: str = "") -> int:
        """Rows of `table` (names from the bench, never from input)."""
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")  # noqa: S608
        return conn.execute(sql).fetchone()[0]

    def postmaster_pid(self, conn: Any) -> int:
        """The server's postmaster: the parent of `conn`'s backend (on this machine)."""
        return parent_of(conn.info.backend_pid)

    def worker_pids(self, conn: Any) -> Any:
        """A pid source (`CpuSampler`) of the PostgreSQL processes doing the bench's work: the
        database's backends (not `conn`'s own) plus WAL writer, background writer and
        checkpointer."""

        def pids() -> list[int]:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE (datname = %s AND pid <> pg_backend_pid())"
                " OR backend_type = ANY(%s)",
                [self.name, list(PG_HELPERS)],
            ).fetchall()
            return [r[0] for r in rows]

        return pids
