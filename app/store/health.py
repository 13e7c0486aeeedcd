"""The SQLite store's health: a damaged store is never written, and nothing that is not ours is replaced.

SQLite reports a damaged page only when a statement touches it ("database disk image is malformed"), so
damage can show up at any time, in any read. ``CheckedConnection`` (the connection ``schema.connect``
makes) turns that error, wherever it comes from, into ``StoreError("store.damaged")`` with the file's path
and the recovery command, and marks the store damaged: from then on every write transaction on it is
refused, in this process and in every other one (the mark is a file, ``<store>.health/damaged``), until
``bhxh-desk store check`` finds it sound again or ``bhxh-desk store recover`` has copied what can be read
into a new file. Reads go on, so that what is still readable can be looked at and exported.

A page can also be damaged while no bhxh-desk has the file open (a disk fault, a copy cut short, another
program). So each connection leaves a session file while it is open, and the last clean close records the
file's size and time; a full ``PRAGMA quick_check`` runs when a session was left behind by a process that
is gone (the last shutdown was not clean) or when the file is not as the last clean close left it.

Before SQLite is let near the path: a file that is not a SQLite database, or a SQLite database of another
program, is reported and never replaced; a 0-byte file with no WAL beside it (an interrupted first start)
is initialised, and the log says so.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any, NamedTuple

from bhxh_desk.app.paths import ensure_private_dir
from bhxh_desk.forms.errors import StoreError
from bhxh_desk.forms.messages import both

_logger = logging.getLogger("bhxh-desk.store")


def _log(level: int, message: str, *args: object) -> None:
    """What happened to the store goes to the log file, not to the terminal: a command that has set up no
    logging yet gets the user's log file here (app.logs), so that "the log says so" holds for every face."""
    with contextlib.suppress(Exception):
        if not logging.getLogger().handlers:
            from bhxh_desk.app import logs
            from bhxh_desk.app.paths import default_paths

            logs.setup(default_paths().logs)
    _logger.log(level, message, *args)

SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGE_CODES = {getattr(sqlite3, "SQLITE_CORRUPT", 11), getattr(sqlite3, "SQLITE_NOTADB", 26)}
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "VACUUM", "REINDEX")
_damaged_here: dict[str, str] = {}          # this process: real path → reason, seen before the mark is read
_sessions = itertools.count(1)
_lock = threading.Lock()


def damage_of(exc: BaseException) -> str | None:
    """SQLite's words when ``exc`` says the file is damaged (corrupt, or not a database), else None."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    if (code is not None and code & 0xFF in _DAMAGE_CODES) or "malformed" in text or "not a database" in text:
        return text
    return None


def damaged_error(path: Path | str, reason: str) -> StoreError:
    return StoreError("store.damaged", path=str(path), reason=reason)


class Health:
    """The files beside one store that remember its health, in ``<store>.health/``: ``damaged`` (the
    reason, while writes are refused), ``clean.json`` (the file as the last clean close left it) and
    ``sessions/`` (one file per open connection, named by process)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.real = os.path.realpath(self.path)
        self.folder = self.path.with_name(self.path.name + ".health")
        self.mark = self.folder / "damaged"
        self.clean = self.folder / "clean.json"
        self.sessions = self.folder / "sessions"

    # ---------------------------------------------------------------- damage

    def damage(self) -> str | None:
        """Why writes are refused, or None: the mark of any process, or what this one saw."""
        reason = _damaged_here.get(self.real)
        if reason is not None:
            return reason
        try:
            return self.mark.read_text(encoding="utf-8").strip() or "damaged"
        except FileNotFoundError:
            return None
        except OSError as exc:
            return exc.strerror or str(exc)

    def mark_damaged(self, reason: str) -> None:
        first = self.real not in _damaged_here
        _damaged_here[self.real] = reason
        with contextlib.suppress(OSError):
            ensure_private_dir(self.folder)
            self.mark.write_text(reason + "\n", encoding="utf-8")
        if first:
            _log(logging.ERROR, "store %s is damaged (%s): writes refused until `bhxh-desk store recover`",
                 self.path, reason)

    def clear_damaged(self) -> None:
        _damaged_here.pop(self.real, None)
        with contextlib.suppress(FileNotFoundError):
            self.mark.unlink()

    def refuse_writes_if_damaged(self) -> None:
        reason = self.damage()
        if reason is not None:
            raise damaged_error(self.path, reason)

    # ---------------------------------------------------------------- sessions and clean shutdown

    def open_session(self) -> Path | None:
        try:
            ensure_private_dir(self.folder)
            self.sessions.mkdir(mode=0o700, exist_ok=True)
            token = self.sessions / f"{os.getpid()}-{next(_sessions)}"
            token.touch()
            return token
        except OSError:
            return None                    # a read-only folder: the store opens, without the bookkeeping

    def close_session(self, token: Path | None) -> None:
        if token is None:
            return
        with contextlib.suppress(OSError):
            token.unlink()
            st = os.stat(self.path)
            tmp = self.clean.with_name(f"clean.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns}), encoding="utf-8")
            os.replace(tmp, self.clean)

    def _live_and_stale(self) -> tuple[list[Path], list[Path]]:
        live, stale = [], []
        with contextlib.suppress(OSError):
            for token in self.sessions.iterdir():
                pid = token.name.split("-", 1)[0]
                (live if pid.isdigit() and _alive(int(pid)) else stale).append(token)
        return live, stale

    def others_open(self) -> list[int]:
        """The processes that have this store open now (this one excluded)."""
        live, _ = self._live_and_stale()
        return sorted({int(t.name.split("-", 1)[0]) for t in live} - {os.getpid()})

    def why_check(self) -> str | None:
        """Why the file must be checked in full before use: a session left by a process that is gone, or a
        file changed since the last clean close while no bhxh-desk had it open. Clears the stale sessions."""
        live, stale = self._live_and_stale()
        for token in stale:
            with contextlib.suppress(OSError):
                token.unlink()
        if stale:
            return "the last shutdown was not clean"
        if live:
            return None                    # another process has it open and may be writing: nothing to compare
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        if st.st_size == 0:
            return None
        try:
            seen = json.loads(self.clean.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "no record of a clean shutdown"
        if (seen.get("size"), seen.get("mtime_ns")) != (st.st_size, st.st_mtime_ns):
            return "the file changed while no bhxh-desk had it open"
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)      # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259                                             # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -------------------------------------------------------------------- before and after SQLite opens the file


class Opening(NamedTuple):
    """What ``before_open`` found at the path."""

    new: bool              # nothing there, or an empty file to initialise
    kept_wal: Path | None  # the copy of a WAL found beside a 0-byte file


def before_open(path: Path) -> Opening:
    """Refuse a file that is not a SQLite database (reported, never replaced); note an empty one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return Opening(True, None)
    except IsADirectoryError:
        raise StoreError("store.foreign", path=str(path), reason=both("store.why.folder")) from None
    if not head:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            # Not a state SQLite leaves; whatever the WAL holds, SQLite reads it if it can, and a copy is
            # kept in case it cannot.
            kept = wal.with_name(f"{wal.name}.kept")
            shutil.copy2(wal, kept)
            _log(logging.WARNING, "store %s is empty with a WAL beside it; a copy of the WAL is kept as %s",
                 path, kept)
            return Opening(False, kept)
        _log(logging.WARNING, "store %s was an empty file (an interrupted first start); initialised as a new "
             "store", path)
        return Opening(True, None)
    if head != SQLITE_HEADER:
        raise StoreError("store.foreign", path=str(path), reason=both("store.why.not_sqlite"))
    return Opening(False, None)


def after_open(conn: CheckedConnection, path: Path, why: str | None) -> None:
    """A file left by an unclean shutdown or changed behind our back (``why``, from ``Health.why_check``
    before this connection's own session began) gets a full quick_check; a failed one marks the store
    damaged."""
    if why is not None:
        _log(logging.WARNING, "store %s: %s; running a full check", path, why)
        problems = quick_check(conn)
        if problems:
            conn.found_damage("; ".join(problems[:3]))


def refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """Another program's SQLite database is refused before anything is written to it (even the switch to
    WAL writes its header)."""
    foreign = foreign_tables(conn)
    if foreign:
        raise StoreError("store.foreign", path=str(path), reason=foreign)


def foreign_tables(conn: sqlite3.Connection) -> dict[str, str] | None:
    """Why a SQLite file is another program's: it has tables but no schema version of ours (our version is
    set by the very transaction that makes our tables). None when it is ours, or empty."""
    # Tables first, then the version: another process may be making the store this very moment, and its
    # tables are never visible before the version that comes in the same transaction.
    tables = [n for (n,) in sqlite3.Connection.execute(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    version = sqlite3.Connection.execute(conn, "PRAGMA user_version").fetchone()[0]
    if version == 0 and tables:
        return both("store.why.other_program", tables=", ".join(sorted(tables)[:3]))
    return None


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check``'s problems (empty when the file is sound), damage itself included."""
    try:
        rows = [r[0] for r in sqlite3.Connection.execute(conn, "PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


# -------------------------------------------------------------------- the connection


class CheckedCursor(sqlite3.Cursor):
    """A cursor whose every step turns SQLite's damage error into ``store.damaged`` and marks the store."""

    def _damaged(self, exc: sqlite3.DatabaseError) -> StoreError | None:
        reason = damage_of(exc)
        conn = self.connection
        if reason is None or not isinstance(conn, CheckedConnection):
            return None
        conn.found_damage(reason)
        return damaged_error(conn.health.path, reason)

    def execute(self, sql: str, args: Any = ()) -> CheckedCursor:
        try:
            return super().execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None

    def executemany(self, sql: str, rows: Any) -> CheckedCursor:
        try:
            return super().executemany(sql, rows)
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None

    def fetchmany(self, size: int = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise (self._damaged(exc) or exc) from None


class CheckedConnection(sqlite3.Connection):
    """The store's connection (``sqlite3.connect(factory=...)``): refuses every write once the store is
    known to be damaged, reports damage found by any statement, and keeps the session bookkeeping."""

    health: Health
    _session: Path | None = None

    def attach(self, path: Path) -> None:
        self.health = Health(path)
        self._session = self.health.open_session()

    def found_damage(self, reason: str) -> None:
        self.health.mark_damaged(reason)
        with contextlib.suppress(sqlite3.Error):
            sqlite3.Connection.execute(self, "PRAGMA query_only=ON")     # even a statement outside a transaction

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or CheckedCursor)

    def _guard(self, sql: str) -> None:
        head = sql.lstrip()[:16].upper()
        if head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")) or (not self.in_transaction
                                                                       and head.startswith(_WRITES)):
            health = getattr(self, "health", None)
            if health is not None:
                health.refuse_writes_if_damaged()

    def execute(self, sql: str, args: Any = ()) -> Any:
        self._guard(sql)
        return self.cursor().execute(sql, args)

    def executemany(self, sql: str, rows: Any) -> Any:
        self._guard(sql)
        return self.cursor().executemany(sql, rows)

    def close(self) -> None:
        with _lock:
            session, self._session = self._session, None
        super().close()
        if session is not None:
            self.health.close_session(session)
