"""Reading a damaged SQLite file page by page, for the rows SQL can no longer reach.

When an inner page of a table's b-tree is destroyed, every leaf page below it is still on disk but no
query can find it. ``orphan_rows`` finds those leaves the way the sqlite3 shell's ``.recover`` does: it
walks each b-tree from its root as far as the pages are sound, marks the free pages, and decodes every
other leaf page that no sound tree leads to, using the file format (sqlite.org/fileformat2.html): cells,
varints, records, overflow chains. Each such page is given to the one table whose columns fit every row on
it (types by the declared affinity); a page that fits none, or more than one, is left alone. The latest
committed copy of each page in the WAL is read in place of the file's.

Only what cannot be read otherwise comes from here; ``app.store.recovery`` inserts these rows after the
SQL copy and keeps the first copy of a key, so nothing read through SQL is overwritten.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR = 0x0D, 0x05, 0x0A, 0x02


class Table(NamedTuple):
    name: str
    root: int
    kinds: tuple[str, ...]        # each column's affinity: "int", "text", "blob", "real", "any"
    without_rowid: bool
    rowid_column: int | None      # the INTEGER PRIMARY KEY column, stored as NULL in the record


class Orphan(NamedTuple):
    table: str
    rowid: int | None
    values: tuple


class _File:
    """The pages of the file (mapped, not read into memory: a store can be large), the WAL's over them."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self.data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        size = struct.unpack(">H", self.data[16:18])[0]
        self.page_size = 65536 if size == 1 else size
        self.usable = self.page_size - self.data[20]
        self.count = len(self.data) // self.page_size
        self.wal: dict[int, bytes] = _wal_pages(path.with_name(path.name + "-wal"), self.page_size)
        self.count = max(self.count, *self.wal) if self.wal else self.count

    def page(self, number: int) -> bytes:
        if number in self.wal:
            return self.wal[number]
        start = (number - 1) * self.page_size
        return self.data[start:start + self.page_size]


def _wal_pages(wal: Path, page_size: int) -> dict[int, bytes]:
    """The newest committed frame of each page in the WAL (frames after the last commit are not data)."""
    try:
        data = wal.read_bytes()
    except OSError:
        return {}
    if len(data) < 32 or struct.unpack(">I", data[8:12])[0] != page_size:
        return {}
    salts = data[16:24]
    pages: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    at = 32
    while at + 24 + page_size <= len(data):
        number, commit = struct.unpack(">II", data[at:at + 8])
        if data[at + 8:at + 16] != salts:
            break
        pending[number] = data[at + 24:at + 24 + page_size]
        if commit:
            pages.update(pending)
            pending = {}
        at += 24 + page_size
    return pages


def _varint(buf: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = buf[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise ValueError("varint")


def _header(page: bytes, number: int) -> int:
    return 100 if number == 1 else 0


def _children(f: _File, number: int) -> list[int] | None:
    """An inner page's children, or None when the page is not a sound inner page."""
    page = f.page(number)
    h = _header(page, number)
    if len(page) < h + 12 or page[h] not in (TABLE_INTERIOR, INDEX_INTERIOR):
        return None
    cells = struct.unpack(">H", page[h + 3:h + 5])[0]
    out = [struct.unpack(">I", page[h + 8:h + 12])[0]]
    for i in range(cells):
        ptr = struct.unpack(">H", page[h + 12 + 2 * i:h + 14 + 2 * i])[0]
        if not h + 12 <= ptr <= len(page) - 4:
            return None
        out.append(struct.unpack(">I", page[ptr:ptr + 4])[0])
    if any(not 1 <= c <= f.count for c in out):
        return None
    return out


def _reachable(f: _File, roots: Sequence[int]) -> set[int]:
    seen: set[int] = set()
    stack = [r for r in roots if 1 <= r <= f.count]
    while stack:
        number = stack.pop()
        if number in seen:
            continue
        seen.add(number)
        children = _children(f, number)
        if children:
            stack.extend(c for c in children if c not in seen)
    return seen


def _free(f: _File) -> set[int]:
    free: set[int] = set()
    trunk = struct.unpack(">I", f.page(1)[32:36])[0]
    while 1 <= trunk <= f.count and trunk not in free:
        free.add(trunk)
        page = f.page(trunk)
        count = struct.unpack(">I", page[4:8])[0]
        if count > (f.usable // 4) - 2:
            break
        free.update(struct.unpack(">I", page[8 + 4 * i:12 + 4 * i])[0] for i in range(count))
        trunk = struct.unpack(">I", page[0:4])[0]
    return free


def _payload(f: _File, page: bytes, at: int, size: int, index: bool) -> bytes:
    """A cell's payload, following its overflow chain when it does not fit on the page."""
    u = f.usable
    x = ((u - 12) * 64 // 255) - 23 if index else u - 35
    if size <= x:
        return page[at:at + size]
    m = ((u - 12) * 32 // 255) - 23
    k = m + ((size - m) % (u - 4))
    local = k if k <= x else m
    out = bytearray(page[at:at + local])
    nxt = struct.unpack(">I", page[at + local:at + local + 4])[0]
    hops = 0
    while len(out) < size:
        if not 1 <= nxt <= f.count or hops > f.count:
            raise ValueError("overflow")
        over = f.page(nxt)
        out += over[4:4 + min(u - 4, size - len(out))]
        nxt = struct.unpack(">I", over[0:4])[0]
        hops += 1
    return bytes(out)


def _record(payload: bytes) -> tuple:
    size, at = _varint(payload, 0)
    if not 1 <= size <= len(payload):
        raise ValueError("record header")
    types = []
    while at < size:
        t, at = _varint(payload, at)
        types.append(t)
    at = size
    values = []
    for t in types:
        if t == 0:
            values.append(None)
        elif 1 <= t <= 6:
            n = (1, 2, 3, 4, 6, 8)[t - 1]
            values.append(int.from_bytes(payload[at:at + n], "big", signed=True))
            at += n
        elif t == 7:
            values.append(struct.unpack(">d", payload[at:at + 8])[0])
            at += 8
        elif t in (8, 9):
            values.append(t - 8)
        elif t >= 12:
            n = (t - 12) // 2
            chunk = payload[at:at + n]
            values.append(bytes(chunk) if t % 2 == 0 else chunk.decode("utf-8"))
            at += n
        else:
            raise ValueError("serial type")
        if at > len(payload):
            raise ValueError("record body")
    return tuple(values)


def _cells(f: _File, number: int) -> Iterator[tuple[int | None, tuple]] | None:
    """The rows on a page: a table leaf's, or an index page's (in an index b-tree, which is what a WITHOUT
    ROWID table is, inner pages hold rows too)."""
    page = f.page(number)
    h = _header(page, number)
    if len(page) < h + 8 or page[h] not in (TABLE_LEAF, INDEX_LEAF, INDEX_INTERIOR):
        return None
    index = page[h] != TABLE_LEAF
    inner = 4 if page[h] == INDEX_INTERIOR else 0
    count = struct.unpack(">H", page[h + 3:h + 5])[0]
    rows = []
    for i in range(count):
        ptr = struct.unpack(">H", page[h + 8 + inner + 2 * i:h + 10 + inner + 2 * i])[0]
        if not h + 8 <= ptr < len(page):
            raise ValueError("cell pointer")
        size, at = _varint(page, ptr + inner)
        rowid = None
        if not index:
            rowid, at = _varint(page, at)
        rows.append((rowid, _record(_payload(f, page, at, size, index))))
    return iter(rows)


def _fits(table: Table, rowid: int | None, values: tuple) -> bool:
    if len(values) > len(table.kinds) or not values or (rowid is None) != table.without_rowid:
        return False
    if table.without_rowid and len(values) != len(table.kinds):     # (an index's record is shorter)
        return False
    for i, (kind, v) in enumerate(zip(table.kinds, values, strict=False)):
        if i == table.rowid_column:
            if v is not None:
                return False
            continue
        if v is None or kind == "any":
            continue
        if (kind == "int" and not isinstance(v, int)) or (kind == "text" and not isinstance(v, str)) or \
                (kind == "real" and not isinstance(v, int | float)):
            return False
    return True


def orphan_rows(path: Path, tables: Sequence[Table], other_roots: Sequence[int]) -> tuple[list[Orphan], int]:
    """(the rows of every page that is neither free nor in a sound tree other than ``tables``', each with
    the one of ``tables`` it fits; the number of such pages left alone because they fit none, or more
    than one). ``tables`` are the damaged tables: the pages still in their trees are read too, since SQL
    may fail to step from one to the next; ``other_roots``, the trees of everything else (sound tables,
    indexes), whose pages are never read as rows."""
    f = _File(path)
    try:
        return _orphans(f, tables, other_roots)
    finally:
        f.data.close()             # before the file is renamed (Windows keeps a mapped file in place)


def _orphans(f: _File, tables: Sequence[Table], other_roots: Sequence[int]) -> tuple[list[Orphan], int]:
    known = _reachable(f, [*other_roots, 1]) | _free(f)
    found: list[Orphan] = []
    unplaced = 0
    for number in range(1, f.count + 1):
        if number in known:
            continue
        try:
            cells = _cells(f, number)
            if cells is None:
                continue
            rows = list(cells)
        except (ValueError, IndexError, UnicodeDecodeError, struct.error):
            continue
        if not rows:
            continue
        fitting = [t for t in tables if all(_fits(t, rowid, values) for rowid, values in rows)]
        if len(fitting) != 1:
            unplaced += 1
            continue
        table = fitting[0]
        for rowid, values in rows:
            found.append(Orphan(table.name, rowid, values))
    return found, unplaced


def affinity(declared: str) -> str:
    """SQLite's column affinity from the declared type (sqlite.org/datatype3.html, 3.1)."""
    d = declared.upper()
    if "INT" in d:
        return "int"
    if any(w in d for w in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if not d or "BLOB" in d:
        return "any"
    if any(w in d for w in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "any"
