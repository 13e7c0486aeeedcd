"""Moving a workstation's SQLite store into the office store (``bhxh-desk store migrate --to URL``).

Everything is copied: units, drafts with their rows, attachments, signed files and history, the outbox
with each submission's idempotency key and state, the audit trail and the employee register. Each copied
draft and audit entry carries its origin (this file's own id and its row id), and a submission is known by
its idempotency key, so running it again copies only what is not there yet: nothing twice, nothing lost.
Last, the SQLite store is marked as moved: it opens read-only from then on and names the office store, so
the old PC cannot file the same dossiers a second time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from bhxh_desk.app.store.store import Store
from bhxh_desk.forms.errors import StoreError

_DRAFT = ("procedure, period, unit_json, state, revision, created_at, updated_at, signed_file, signed_at, "
          "owner, owner_name")
_SUB = ("gateway, account, unit, file, digest, idempotency_key, state, so_ho_so, received_at, status, reasons, "
        "result, result_verified, attempts, last_error, created_at, updated_at")


@dataclass
class MoveReport:
    drafts: int = 0              # copied now
    drafts_there: int = 0        # copied by an earlier run
    submissions: int = 0
    submissions_there: int = 0
    audit: int = 0
    employees: int = 0
    moved_to: str = ""


def _store_id(src: Store) -> str:
    rows = src.read("SELECT value FROM store_meta WHERE key = 'store_id'")
    if rows:
        return rows[0][0]
    new = uuid.uuid4().hex
    with src.transaction() as c:
        c.execute("INSERT INTO store_meta (key, value) VALUES ('store_id', ?) ON CONFLICT (key) DO NOTHING", (new,))
    return src.read("SELECT value FROM store_meta WHERE key = 'store_id'")[0][0]


def move_to_office(source: Path, url: str) -> MoveReport:
    from bhxh_desk.app.store.postgres import redacted

    report = MoveReport(moved_to=redacted(url))
    src = Store(Path(source))
    try:
        if src.dialect != "sqlite":
            raise StoreError("store.failed", path=src.location, reason="not a SQLite store")
        if src.moved_to and src.moved_to != report.moved_to:
            raise StoreError("store.moved", path=src.location, url=src.moved_to)
        sid = src.read("SELECT value FROM store_meta WHERE key = 'store_id'")[0][0] if src.moved_to \
            else _store_id(src)
        with Store(url) as dst:
            _copy(src, dst, sid, report)
        if not src.moved_to:
            conn = src._conn
            conn.begin()
            conn.execute("INSERT INTO store_meta (key, value) VALUES ('moved_to', ?) ON CONFLICT (key) DO UPDATE "
                         "SET value = excluded.value", (report.moved_to,))
            src.log(conn, "moved", None, report.moved_to)
            conn.commit()
    finally:
        src.close()
    return report


def _copy(src: Store, dst: Store, sid: str, report: MoveReport) -> None:
    with dst.transaction() as c:
        for code, name, tax, agency, signer, phone, created in src.read(
                "SELECT code, name, tax_code, agency_code, signer, phone, created_at FROM units"):
            c.execute("INSERT INTO units (code, name, tax_code, agency_code, signer, phone, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
                      (code, name, tax, agency, signer, phone, created))
        unit_ids = {code: i for i, code in c.execute("SELECT id, code FROM units").fetchall()}
        drafts: dict[int, int] = {}
        there = {origin: i for i, origin in c.execute("SELECT id, origin FROM drafts WHERE origin LIKE ?",
                                                      (f"{sid}:%",)).fetchall()}
        qualified = ", ".join(f"d.{col.strip()}" for col in _DRAFT.split(","))
        for row in src.read(f"SELECT d.id, u.code, {qualified} FROM drafts d JOIN units u ON u.id = d.unit_id "
                            "ORDER BY d.id"):
            old, code = row[0], row[1]
            origin = f"{sid}:{old}"
            if origin in there:
                drafts[old] = there[origin]
                report.drafts_there += 1
                continue
            new = c.execute(f"INSERT INTO drafts (unit_id, {_DRAFT}, origin) VALUES (?, {', '.join('?' * 11)}, ?) "
                            "RETURNING id", (unit_ids[code], *row[2:], origin)).fetchone()[0]
            drafts[old] = new
            c.executemany("INSERT INTO draft_rows (draft_id, form, seq, content) VALUES (?, ?, ?, ?)",
                          [(new, *r) for r in src.read("SELECT form, seq, content FROM draft_rows WHERE draft_id = ?",
                                                       (old,))])
            c.executemany("INSERT INTO draft_attachments (draft_id, seq, name, description, content, kind) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          [(new, *r) for r in src.read("SELECT seq, name, description, content, kind "
                                                       "FROM draft_attachments WHERE draft_id = ?", (old,))])
            c.executemany("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                          [(new, *r) for r in src.read("SELECT state, at, note FROM state_history "
                                                       "WHERE draft_id = ? ORDER BY id", (old,))])
            report.drafts += 1
        keys = {k for (k,) in c.execute("SELECT idempotency_key FROM submissions").fetchall()}
        for row in src.read(f"SELECT draft_id, {_SUB} FROM submissions ORDER BY id"):
            if row[6] in keys:
                report.submissions_there += 1
                continue
            c.execute(f"INSERT INTO submissions (draft_id, {_SUB}) VALUES ({', '.join('?' * 18)})",
                      (drafts.get(row[0]) if row[0] is not None else None, *row[1:]))
            report.submissions += 1
        # The dossier's link to its filing, by key, for the drafts that have one.
        for old, key in src.read("SELECT d.id, s.idempotency_key FROM drafts d JOIN submissions s "
                                 "ON s.id = d.submission_id"):
            c.execute("UPDATE drafts SET submission_id = (SELECT id FROM submissions WHERE idempotency_key = ?) "
                      "WHERE id = ? AND submission_id IS NULL", (key, drafts[old]))
        for old, at, action, draft_id, detail, clerk, clerk_name in src.read(
                "SELECT id, at, action, draft_id, detail, clerk, clerk_name FROM audit ORDER BY id"):
            done = c.execute("INSERT INTO audit (at, action, draft_id, detail, clerk, clerk_name, origin) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING",
                             (at, action, drafts.get(draft_id) if draft_id is not None else None, detail, clerk,
                              clerk_name, f"{sid}:{old}"))
            report.audit += max(done.rowcount, 0)
        for row in src.read("SELECT unit, ma_so_bhxh, cccd, row_json, updated_at FROM employees"):
            done = c.execute("INSERT INTO employees (unit, ma_so_bhxh, cccd, row_json, updated_at) "
                             "VALUES (?, ?, ?, ?, ?) ON CONFLICT (unit, ma_so_bhxh, cccd) DO NOTHING", row)
            report.employees += max(done.rowcount, 0)
        dst.log(c, "moved-in", None, f"{report.drafts} drafts, {report.submissions} submissions from {sid}")
