"""Where the store lives: a SQLite file on this PC (the default) or an office's PostgreSQL database.

``open_backend`` turns a location into a ``Backend``: a path opens the SQLite file, a ``postgresql://`` URL
the office database (``app.store.postgres``, which needs the ``bhxh-desk[office]`` extra). The store's SQL
is written once, in the dialect both engines share (``?`` placeholders, ``ON CONFLICT … DO``, ``RETURNING``);
a back end differs only in how it begins and ends a transaction, which errors it raises, and the one
expression that reads its clock (``now_epoch``), because leases must be timed by the server, not by the
clock of whichever clerk's PC asks.

Where the location comes from when a caller names none: ``BHXH_DESK_STORE``, then the ``store`` setting,
then the per-user SQLite file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from bhxh_desk.app.store.schema import connect

STORE_ENV = "BHXH_DESK_STORE"


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.split("://", 1)[0] in ("postgresql", "postgres")


def default_location() -> str | Path:
    """The store a caller gets when it names none: the environment, the setting, the per-user file."""
    from bhxh_desk.app.paths import default_paths

    return chosen_location() or default_paths().store


def chosen_location() -> str | Path | None:
    """The store the user chose (BHXH_DESK_STORE or the ``store`` setting), or None for the usual file."""
    env = os.environ.get(STORE_ENV, "").strip()
    if env:
        return env if is_url(env) else Path(env)
    from bhxh_desk.app.settings import Settings

    setting = str(Settings.load().get("store") or "").strip()
    if setting:
        return setting if is_url(setting) else Path(setting)
    return None


class Backend(Protocol):
    dialect: str
    location: str            # what the user named: the file's path, or the URL (which holds no password)
    errors: tuple[type[BaseException], ...]
    now_epoch: str           # SQL: the back end's clock in seconds since 1970 (the server's, for PostgreSQL)

    def execute(self, sql: str, args: Any = ()) -> Any: ...
    def executemany(self, sql: str, rows: Any) -> Any: ...
    def begin(self) -> None: ...
    def begin_read(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class SqliteBackend:
    """The single-PC store, as it always was: one WAL file, BEGIN IMMEDIATE for every write."""

    dialect = "sqlite"
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    now_epoch = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self.conn = connect(path)

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def begin_read(self) -> None:
        self.conn.execute("BEGIN")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


def open_backend(location: str | Path | None) -> Backend:
    if location is None or (isinstance(location, str) and not location.strip()):
        location = default_location()
    if is_url(location):
        from bhxh_desk.app.store.postgres import PostgresBackend

        return PostgresBackend(str(location))
    return SqliteBackend(Path(location))
