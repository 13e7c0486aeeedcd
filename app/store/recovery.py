"""``bhxh-desk store check`` and ``store recover``: what a damaged SQLite store can still give back.

Python's sqlite3 has no ``.recover`` (that is the sqlite3 shell's), so recovery here is plain SQL on the
damaged file, opened read-only: the schema is read from ``sqlite_master`` (or, when that page is gone, taken
from today's migrations), then every table is copied row by row in key order into a new file. Where a page
cannot be read the copy steps over it: first the next key that can still be found (a row whose key is
readable but whose content is not is counted lost), and when the keys themselves are gone, the next
readable key is searched for ahead, doubling the step and then halving back, so that few readable rows
beside a bad page are skipped. SQL cannot reach the rows below a destroyed inner page of a tree at all, so
a table with unreadable parts is then read page by page as well (``app.store.pages``, what the shell's
``.recover`` does), keeping the first copy of each key. The new file takes the store's place; the damaged
one is kept beside it, renamed, with its WAL, for whoever wants to look further. Nothing is ever deleted.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bhxh_desk.app.store.health import Health, before_open, foreign_tables, quick_check
from bhxh_desk.forms.errors import StoreError

BATCH = 500


@dataclass(frozen=True, slots=True)
class CheckReport:
    path: Path
    problems: list[str]          # empty when sound
    tables: int
    rows: int

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class TableCopy:
    name: str
    copied: int = 0
    from_pages: int = 0          # of them, read page by page from leaves no sound tree leads to
    lost: int = 0                # rows whose key was read but not their content
    gaps: int = 0                # stretches of keys that could not be read at all

    @property
    def damaged(self) -> bool:
        return bool(self.lost or self.gaps)


@dataclass(slots=True)
class RecoverReport:
    path: Path                   # the store, now the new file
    kept: Path                   # the damaged file, renamed
    tables: list[TableCopy] = field(default_factory=list)
    schema_from_migrations: bool = False
    unplaced_pages: int = 0      # leaf pages no tree leads to that fit no table, or more than one

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """The store file opened for reading only; another program's SQLite database is refused here too."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        conn.execute("SELECT 1").fetchone()
    except sqlite3.Error:             # a read-only open can need a -shm that is not there yet
        conn = sqlite3.connect(path, isolation_level=None)
    try:
        foreign = foreign_tables(conn)
    except sqlite3.DatabaseError:
        foreign = None                # its first page is damaged: what can be read is still ours to copy
    if foreign:
        conn.close()
        raise StoreError("store.foreign", path=str(path), reason=foreign)
    return conn


def check(path: Path) -> CheckReport:
    """A full ``PRAGMA quick_check`` of the store file, and its tables and rows counted. A sound file clears
    the damage mark (writes are allowed again); a damaged one sets it."""
    path = Path(path)
    if not path.exists():
        raise StoreError("store.nothing_to_recover", path=str(path))
    before_open(path)                                 # another program's file: store.foreign
    health = Health(path)
    conn = _open_read_only(path)
    try:
        problems = quick_check(conn)
        tables, rows = 0, 0
        if not problems:
            names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%'")]
            tables = len(names)
            for name in names:
                try:
                    rows += conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                except sqlite3.DatabaseError as exc:
                    problems.append(f"{name}: {exc}")
    finally:
        conn.close()
    if problems:
        health.mark_damaged("; ".join(problems[:3]))
    else:
        health.clear_damaged()
    return CheckReport(path, problems, tables, rows)


def recover(path: Path) -> RecoverReport:
    """Copy what can be read of the store at ``path`` into a new file that takes its place, keeping the
    old file as ``<name>.damaged-<time>``. Refused while another process has the store open."""
    path = Path(path)
    if not path.exists():
        raise StoreError("store.nothing_to_recover", path=str(path))
    before_open(path)
    health = Health(path)
    others = health.others_open()
    if others:
        raise StoreError("store.in_use", path=str(path), pids=", ".join(map(str, others)))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    new = path.with_name(f".{path.name}.recovering-{stamp}")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    src = _open_read_only(path)
    try:
        os.close(os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        dst = sqlite3.connect(new, isolation_level=None)
        try:
            report = RecoverReport(path, kept)
            tables, indexes, version, from_migrations = _schema(src)
            report.schema_from_migrations = from_migrations
            dst.execute("BEGIN")
            for _name, sql in tables:
                dst.execute(sql)
            for name, _sql in tables:
                report.tables.append(_copy_table(src, dst, name))
            if any(t.damaged for t in report.tables):
                report.unplaced_pages = _copy_orphans(src, dst, path, report)
            for sql in indexes:
                with contextlib.suppress(sqlite3.Error):       # a UNIQUE index the copied rows break
                    dst.execute(sql)
            dst.execute(f"PRAGMA user_version={int(version)}")
            dst.execute("COMMIT")
            dst.execute("PRAGMA journal_mode=WAL")
            if quick_check(dst):
                raise StoreError("store.failed", path=str(new), reason="the recovered copy fails its check")
        finally:
            dst.close()
    except BaseException:
        for leftover in (new, new.with_name(new.name + "-wal"), new.with_name(new.name + "-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise
    finally:
        src.close()
    for suffix in ("", "-wal", "-shm"):             # the damaged file keeps its WAL beside it, renamed alike
        old = path.with_name(path.name + suffix)
        if old.exists():
            os.replace(old, kept.with_name(kept.name + suffix))
    os.replace(new, path)
    health.clear_damaged()
    with contextlib.suppress(OSError):
        health.clean.unlink()                         # the next open checks the new file once more
    return report


def _schema(src: sqlite3.Connection) -> tuple[list[tuple[str, str]], list[str], int, bool]:
    """(tables as (name, CREATE), index CREATEs, user_version, whether taken from today's migrations)."""
    try:
        rows = src.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
        version = src.execute("PRAGMA user_version").fetchone()[0]
        tables = [(name, sql) for kind, name, sql in rows if kind == "table"]
        if tables:
            return tables, [sql for kind, _n, sql in rows if kind == "index"], version, False
    except sqlite3.DatabaseError:
        pass
    from bhxh_desk.app.store.schema import MIGRATIONS, SCHEMA_VERSION

    scratch = sqlite3.connect(":memory:")
    for step in MIGRATIONS:
        for statement in step:
            scratch.execute(statement)
    rows = scratch.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
    scratch.close()
    return ([(n, s) for k, n, s in rows if k == "table"], [s for k, _n, s in rows if k == "index"],
            SCHEMA_VERSION, True)


def _columns(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[str]]:
    """(every column, the primary key's columns in order) as the new file defines the table."""
    info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    cols = [r[1] for r in info]
    pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    return cols, pk


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str) -> TableCopy:
    cols, pk = _columns(dst, table)
    without_rowid = bool(dst.execute("SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'",
                                     (table,)).fetchone())
    keys = pk if without_rowid else ["rowid"]
    names = ", ".join(f'"{c}"' for c in cols)
    insert = f'INSERT INTO "{table}" ({names}{"" if without_rowid else ", rowid"}) VALUES ' \
             f'({", ".join("?" * (len(cols) + (0 if without_rowid else 1)))})'
    src_cols = {r[1] for r in _safe(lambda: src.execute(f'PRAGMA table_info("{table}")').fetchall(), [])}
    select = ", ".join(f'"{c}"' if c in src_cols else "NULL" for c in cols)
    select += "" if without_rowid else ", rowid"
    report = TableCopy(table)
    for row in _rows(src, table, select, keys, len(cols), report):
        try:
            dst.execute(insert, row)
            report.copied += 1
        except sqlite3.Error:                 # a row the damage made contradict another (a repeated key)
            report.lost += 1
    return report


def _copy_orphans(src: sqlite3.Connection, dst: sqlite3.Connection, path: Path, report: RecoverReport) -> int:
    """The rows of the damaged tables read page by page (``app.store.pages``), after the SQL copy: a key
    already copied keeps its first copy (INSERT OR IGNORE), and a row that breaks a constraint is dropped.
    Returns the number of such pages that could not be given to a table."""
    from bhxh_desk.app.store.pages import Table, affinity, orphan_rows

    try:
        masters = src.execute("SELECT type, name, rootpage FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError:
        return 0                                       # no map of the trees: nothing to tell orphans from
    damaged = {t.name for t in report.tables if t.damaged}
    roots = {name: root for kind, name, root in masters if kind == "table"}
    others = [root for kind, name, root in masters if root and (kind != "table" or name not in damaged)]
    tables, inserts = [], {}
    for t in report.tables:
        if t.name not in roots or t.name not in damaged:
            continue
        info = dst.execute(f'PRAGMA table_info("{t.name}")').fetchall()
        without_rowid = bool(dst.execute("SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE "
                                         "'%WITHOUT ROWID%'", (t.name,)).fetchone())
        pks = [r for r in info if r[5]]
        alias = pks[0][0] if not without_rowid and len(pks) == 1 and pks[0][2].upper() == "INTEGER" else None
        tables.append(Table(t.name, int(roots[t.name]), tuple(affinity(r[2]) for r in info), without_rowid, alias))
        inserts[t.name] = (t, [r[1] for r in info], alias, without_rowid)
    try:
        rows, unplaced = orphan_rows(path, tables, others)
    except (OSError, ValueError):
        return 0
    for orphan in rows:
        t, cols, alias, without_rowid = inserts[orphan.table]
        values = list(orphan.values)
        if alias is not None:
            values[alias] = orphan.rowid
        names = [f'"{c}"' for c in cols[:len(values)]]
        if not without_rowid:
            names.append("rowid")
            values.append(orphan.rowid)
        cur = dst.execute(f'INSERT OR IGNORE INTO "{orphan.table}" ({", ".join(names)}) '
                          f'VALUES ({", ".join("?" * len(values))})', values)
        if cur.rowcount > 0:
            t.copied += 1
            t.from_pages += 1
    return unplaced


def _safe(call, default):
    try:
        return call()
    except sqlite3.DatabaseError:
        return default


def _rows(src: sqlite3.Connection, table: str, select: str, keys: list[str], width: int,
          report: TableCopy) -> Iterator[tuple]:
    """Every readable row of ``table`` in key order, stepping over what cannot be read. ``start`` is where
    the next read begins: after a row read (``>``), or at a key found past a bad stretch (``>=``); every
    step moves it forward, so the walk ends."""
    key_list = ", ".join(f'"{k}"' if k != "rowid" else "rowid" for k in keys)
    marks = ", ".join("?" * len(keys))
    order = f"ORDER BY {key_list}"
    names = [c.strip().strip('"') for c in select.split(",")]
    at = [len(names) - 1] if keys == ["rowid"] else [names.index(k) for k in keys]
    start: tuple | None = None
    inclusive = False

    def where() -> str:
        return "" if start is None else f"WHERE ({key_list}) {'>=' if inclusive else '>'} ({marks})"

    def query(columns: str, limit: int) -> list[tuple] | None:
        try:
            return src.execute(f'SELECT {columns} FROM "{table}" {where()} {order} LIMIT {limit}',
                               start or ()).fetchall()
        except sqlite3.DatabaseError:
            return None

    while True:
        batch = query(select, BATCH)
        if batch:
            yield from batch
            start, inclusive = tuple(batch[-1][i] for i in at), False
            if len(batch) == BATCH:
                continue
            return
        if batch is not None:
            return                                        # the end of the table
        # Something from ``start`` on cannot be read: the next key alone, then its row, then a search ahead.
        found = query(key_list, 1)
        if found:
            key = tuple(found[0])
            try:
                row = src.execute(f'SELECT {select} FROM "{table}" WHERE ({key_list}) = ({marks})', key).fetchone()
            except sqlite3.DatabaseError:
                row = None
            if row is not None:
                yield row
            else:
                report.lost += 1
            start, inclusive = key, False
            continue
        if found is not None:
            return
        report.gaps += 1
        resumed = _search_ahead(src, table, key_list, order, start, keys)
        if resumed is None:
            return
        start, inclusive = resumed, True


def _search_ahead(src, table, key_list, order, start, keys) -> tuple | None:
    """A key to go on from past the unreadable stretch after ``start``. Within the same leading key first,
    on the last key column (the row number ``seq`` of one draft's rows), then on the first key column (an
    integer in every table of ours): double the step until a seek from there reads, then halve back
    towards the bad stretch, so that few readable rows beside it are skipped."""
    marks = ", ".join("?" * len(keys))
    rest = len(keys) - 1
    if rest and start is not None and isinstance(start[-1], int):
        prefix = tuple(start[:-1])
        found = _double_then_halve(src, table, key_list, f"({key_list}) >= ({marks})", order, int(start[-1]),
                                   lambda n: (*prefix, n))
        if found is not None:
            return (*prefix, found)
    base = int(start[0]) if start is not None and isinstance(start[0], int) else -1
    col = "rowid" if keys[0] == "rowid" else f'"{keys[0]}"'
    found = _double_then_halve(src, table, key_list, f"{col} >= ?", order, base, lambda n: (n,))
    if found is None:
        return None
    # The rest of the key below anything SQLite holds but NULL, so the walk goes on at the first key ``found``.
    return (found, *([float("-inf")] * rest))


def _double_then_halve(src, table, key_list, seek, order, base: int, args_of) -> int | None:
    """The smallest ``n > base`` (nearly) from which a seek reads, or None within 2**40."""
    def readable_from(n: int) -> bool:
        try:
            src.execute(f'SELECT {key_list} FROM "{table}" WHERE {seek} {order} LIMIT 1', args_of(n)).fetchone()
            return True
        except sqlite3.DatabaseError:
            return False

    step, bad = 1, base
    while not readable_from(base + step):
        bad = base + step
        step *= 2
        if step > 2**40:
            return None
    good = base + step
    while good - bad > 1:
        mid = (good + bad) // 2
        if readable_from(mid):
            good = mid
        else:
            bad = mid
    return good
