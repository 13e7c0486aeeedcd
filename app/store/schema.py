"""Opening the SQLite file and migrating its schema.

The schema version is SQLite's ``user_version``; each migration is a list of statements run in one
transaction, so an interrupted upgrade leaves the old schema intact. A file from a newer bhxh-desk is
refused rather than written to.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

from bhxh_desk.app.paths import ensure_private_dir
from bhxh_desk.forms.errors import StoreError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            tax_code TEXT NOT NULL DEFAULT '',
            agency_code TEXT NOT NULL DEFAULT '',
            signer TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE drafts (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            procedure TEXT NOT NULL,
            period TEXT NOT NULL DEFAULT '',
            unit_json TEXT NOT NULL,
            state TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX drafts_unit ON drafts(unit_id, updated_at)",
        """CREATE TABLE draft_rows (
            draft_id INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
            form TEXT NOT NULL,
            seq INTEGER NOT NULL,
            content TEXT NOT NULL,
            PRIMARY KEY (draft_id, form, seq)
        ) WITHOUT ROWID""",
        """CREATE TABLE state_history (
            id INTEGER PRIMARY KEY,
            draft_id INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
            state TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX state_history_draft ON state_history(draft_id, id)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            draft_id INTEGER,
            detail TEXT NOT NULL DEFAULT ''
        )""",
    ),
)

MIGRATIONS += (
    (
        # The outbox: signed files on their way to a gateway and what came back. The idempotency key is made
        # and stored before the first upload, so every retry, even after a crash, files the dossier once.
        """CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            draft_id INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
            gateway TEXT NOT NULL,
            account TEXT NOT NULL,
            unit TEXT NOT NULL,
            file BLOB NOT NULL,
            digest TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            so_ho_so TEXT,
            received_at TEXT,
            status INTEGER,
            reasons TEXT NOT NULL DEFAULT '[]',
            result BLOB,
            result_verified INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (gateway, digest)
        )""",
        "CREATE INDEX submissions_state ON submissions(state)",
        """CREATE TABLE otp_requests (
            id INTEGER PRIMARY KEY,
            ma_so_bhxh TEXT NOT NULL,
            digest TEXT NOT NULL,
            request_id TEXT NOT NULL,
            made_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    ),
)

MIGRATIONS += (
    (
        # The signed file of a dossier, kept until it is queued; and what the window had open.
        "ALTER TABLE drafts ADD COLUMN signed_file BLOB",
        "ALTER TABLE drafts ADD COLUMN signed_at TEXT",
        "CREATE TABLE ui_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)

MIGRATIONS += (
    (
        """CREATE TABLE draft_attachments (
            draft_id INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            content BLOB NOT NULL,
            PRIMARY KEY (draft_id, seq)
        )""",
    ),
)

MIGRATIONS += (
    (
        # The employee register: each person a unit has declared, as last declared.
        """CREATE TABLE employees (
            unit TEXT NOT NULL,
            ma_so_bhxh TEXT NOT NULL DEFAULT '',
            cccd TEXT NOT NULL DEFAULT '',
            row_json TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (unit, ma_so_bhxh, cccd)
        )""",
        "CREATE INDEX employees_cccd ON employees(unit, cccd)",
    ),
)

MIGRATIONS += (
    (
        # One state machine per dossier: once queued, a dossier's state is its submission's; the drafts row
        # links to it instead of copying each move. A dossier already filed by an earlier version (its copied
        # state is one of the outbox's) links to its newest submission, whose key and state stay as they are.
        "ALTER TABLE drafts ADD COLUMN submission_id INTEGER REFERENCES submissions(id)",
        """UPDATE drafts SET submission_id = (SELECT max(s.id) FROM submissions s WHERE s.draft_id = drafts.id)
           WHERE state IN ('Queued', 'Submitted', 'Received', 'Processing', 'Result', 'Rejected')""",
        "UPDATE drafts SET state = 'Signed' WHERE submission_id IS NOT NULL",
        # What an attachment is (forms/attachments.py: a code of loai_giay_to), which rules check.
        "ALTER TABLE draft_attachments ADD COLUMN kind TEXT NOT NULL DEFAULT ''",
    ),
)

MIGRATIONS += (
    (
        # The agent office (docs/office.md), on this file too so the same store code and tests run on both:
        # who made each change (the clerk: OS user and display name), who made each dossier, editing leases
        # timed by the store's clock, the units each clerk is given, and where a migrated store went.
        "ALTER TABLE audit ADD COLUMN clerk TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audit ADD COLUMN clerk_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audit ADD COLUMN origin TEXT",
        "CREATE UNIQUE INDEX audit_origin ON audit(origin)",
        "ALTER TABLE drafts ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE drafts ADD COLUMN owner_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE drafts ADD COLUMN origin TEXT",
        "CREATE UNIQUE INDEX drafts_origin ON drafts(origin)",
        "CREATE INDEX drafts_filing ON drafts(unit_id, procedure, period)",
        """CREATE TABLE leases (
            draft_id INTEGER PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
            token TEXT NOT NULL, holder TEXT NOT NULL, holder_name TEXT NOT NULL,
            since REAL NOT NULL, expires REAL NOT NULL)""",
        """CREATE TABLE clerks (login TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',
            office_role INTEGER NOT NULL DEFAULT 0)""",
        "CREATE TABLE clerk_units (login TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (login, unit))",
        "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """The store's connection, after ``app.store.health`` has looked at the file: another program's file is
    refused and never replaced, a damaged one is opened for reading only, one left by an unclean shutdown is
    checked in full first. Two processes opening a new file at the same moment both succeed."""
    from bhxh_desk.app.store import health

    conn = None
    try:
        ensure_private_dir(path.parent)
        opening = health.before_open(path)
        why = None if opening.new else health.Health(path).why_check()
        if not path.exists():
            _create(path)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False,
                               factory=health.CheckedConnection)
        conn.attach(path)
        conn.execute("PRAGMA busy_timeout=10000")
        health.refuse_foreign(conn, path)
        _wal(conn)
        # FULL: a committed edit survives power loss too, not just a killed process.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        health.after_open(conn, path, why)
        _migrate(conn, path)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError("store.failed", path=str(path), reason=str(exc)) from None
        if isinstance(exc, OSError):
            raise StoreError("store.failed", path=str(path), reason=exc.strerror or str(exc)) from None
        raise
    return conn


def _create(path: Path) -> None:
    """A new store is made whole under another name and linked into place, so that no process ever sees it
    half made (an empty file was what a first start interrupted at the wrong moment left behind) and two
    processes starting at once simply find the one that was first. Where the file system cannot link, the
    file is made in place, and ``_wal`` and ``_migrate`` keep two starts at once safe."""
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            _migrate(conn, tmp)
        finally:
            conn.close()                   # the last connection: the WAL is folded into the file
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass                           # another process was first; its file is whole too
        except OSError:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. Changing the journal mode needs the file to itself for an instant, and when another
    process is opening the same new file SQLite answers "database is locked" at once, without waiting on
    its busy handler (issue 18: one of two processes starting together failed). So: retry for as long as
    the busy timeout, and not at all once the file is in WAL already."""
    deadline = time.monotonic() + 10
    delay = 0.005
    while True:
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Each step in its own BEGIN IMMEDIATE transaction, the version read again inside it, so that two
    processes upgrading (or creating) the same file at once apply every step exactly once."""
    if conn.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
        raise StoreError("store.newer_schema", found=conn.execute("PRAGMA user_version").fetchone()[0])
    while conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            number = conn.execute("PRAGMA user_version").fetchone()[0]
            if number >= SCHEMA_VERSION:      # another process migrated meanwhile
                conn.execute("ROLLBACK")
                break
            for statement in MIGRATIONS[number]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
