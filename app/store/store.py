"""``Store``: the one object that reads and writes the store, a SQLite file or the office's PostgreSQL.

A draft is kept as a header (procedure, period, unit snapshot, state, revision) plus one row of
``draft_rows`` per form row, so that an edit to one cell of a 10,000-row list rewrites one small row,
not the whole draft. Every public method is a single transaction. ``revision`` goes up with each edit;
callers that hold a revision can pass it back as ``expected_revision`` and get ``store.conflict`` instead
of silently overwriting a newer edit made in another window or process.

The SQL here is written once for both back ends (``app.store.backend``): ``?`` placeholders, upserts with
``ON CONFLICT … DO``, new ids with ``RETURNING id``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bhxh_desk.app.store.backend import Backend, open_backend
from bhxh_desk.app.store.clerks import Clerk, current_clerk
from bhxh_desk.app.store.records import AuditEntry, DraftInfo, Lease, SameFiling, StateChange, UnitRecord
from bhxh_desk.app.workflow import EDITABLE, Action, State, after_edit, can_move, require
from bhxh_desk.forms.attachments import Attachment
from bhxh_desk.forms.draft import Draft, Row, Unit
from bhxh_desk.forms.errors import StoreError
from bhxh_desk.forms.migrate import migrate


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def since_text(epoch: float) -> str:
    """A lease's start as a clerk reads it: dd/mm/yyyy HH:MM, local time."""
    return datetime.fromtimestamp(epoch).strftime("%d/%m/%Y %H:%M")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# A dossier has one state machine (app.workflow). Until it is filed, its state is the drafts row's; from
# the moment it is queued, it is the state of its submission in the outbox, the row the gateway's answers
# move. The drafts row only links to that submission, so the two can never disagree.
_STATE = ("COALESCE((SELECT s.state FROM submissions s WHERE s.id = d.submission_id), d.state)")


_INFO = f"""SELECT d.id, u.code, d.procedure, d.period, {_STATE}, d.revision, d.created_at, d.updated_at,
                  (SELECT count(*) FROM draft_rows r WHERE r.draft_id = d.id)
           FROM drafts d JOIN units u ON u.id = d.unit_id"""


# How long an editing lease lasts without a heartbeat: a crashed PC frees its dossiers this long after.
LEASE_SECONDS = 60.0

# The lease tokens this process holds (its windows'): a store connection of this process may edit what they
# lease; one of another process (a clerk's command line, another workstation) may not.
_HELD: set[str] = set()


class Store:
    def __init__(self, path: Path | str | None = None, *, clerk: Clerk | None = None) -> None:
        """``path``: a SQLite file, a ``postgresql://`` URL, or None for ``app.store.backend.default_location``."""
        self._conn: Backend = open_backend(path)
        # What a worker thread passes to Store() to open its own connection: the file, or the URL.
        self.path: Path | str = getattr(self._conn, "path", None) or Path(self._conn.location)
        self.location = self._conn.location
        self.dialect = self._conn.dialect
        self.clerk = clerk or current_clerk()
        self.closed = False
        try:
            moved = self._conn.execute("SELECT value FROM store_meta WHERE key = 'moved_to'").fetchone()
        except self._conn.errors:
            moved = None
        # A store moved into an office store (``store migrate``) opens read-only and names where it went.
        self.moved_to: str | None = moved[0] if moved else None
        self._ui_memory: dict[str, str] = {}

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Backend]:
        """One write transaction (SQLite: BEGIN IMMEDIATE), committed when the block ends and rolled back if
        it raises; the modules of ``app.store`` (outbox, register, OTP requests) write through it, so every
        statement on the store is this package's own."""
        conn = self._conn
        if self.moved_to:
            raise StoreError("store.moved", path=self.location, url=self.moved_to)
        try:
            conn.begin()
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        except conn.errors as exc:
            raise StoreError("store.failed", path=self.location, reason=str(exc)) from None

    def read(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        """The rows of one query, on this store's connection: for the modules of ``app.store``."""
        try:
            return self._conn.execute(sql, args).fetchall()
        except self._conn.errors as exc:
            raise StoreError("store.failed", path=self.location, reason=str(exc)) from None

    # ------------------------------------------------------------ units

    def upsert_unit(self, unit: Unit) -> UnitRecord:
        with self.transaction() as c:
            c.execute(
                """INSERT INTO units (code, name, tax_code, agency_code, signer, phone, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(code) DO UPDATE SET name=excluded.name, tax_code=excluded.tax_code,
                     agency_code=excluded.agency_code, signer=excluded.signer, phone=excluded.phone""",
                (unit.code, unit.name, unit.tax_code, unit.agency_code, unit.signer, unit.phone, _now()),
            )
            return self._unit_by_code(c, unit.code)

    @staticmethod
    def _unit_by_code(c: Backend, code: str) -> UnitRecord:
        row = c.execute(
            "SELECT id, code, name, tax_code, agency_code, signer, phone FROM units WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            raise StoreError("store.not_found", what="unit", key=code)
        return UnitRecord(*row)

    def units(self, search: str = "") -> list[UnitRecord]:
        like = f"%{search.casefold()}%"
        rows = self.read(
            """SELECT id, code, name, tax_code, agency_code, signer, phone FROM units
               WHERE lower(code) LIKE ? OR lower(name) LIKE ? OR tax_code LIKE ? ORDER BY name, code""",
            (like, like, like),
        )
        seen = self.visible_units()
        return [UnitRecord(*r) for r in rows if seen is None or r[1] in seen]

    def visible_units(self) -> set[str] | None:
        """The units this store's clerk sees (None: all), as the office assigned them (app.store.clerks).
        The client's rule: the server enforces it only with row-level security (app.store.postgres_rls)."""
        from bhxh_desk.app.store.clerks import Clerks

        units = Clerks(self).visible_units(self.clerk.login)
        return None if units is None else set(units)

    # ------------------------------------------------------------ drafts

    def create_draft(self, draft: Draft, *, action: str = "create") -> int:
        """Store a new draft (and its unit, if new) in state Draft; returns its id."""
        now = _now()
        with self.transaction() as c:
            c.execute(
                """INSERT INTO units (code, name, tax_code, agency_code, signer, phone, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO NOTHING""",
                (draft.unit.code, draft.unit.name, draft.unit.tax_code, draft.unit.agency_code,
                 draft.unit.signer, draft.unit.phone, now),
            )
            unit_id = self._unit_by_code(c, draft.unit.code).id
            draft_id = int(c.execute(
                """INSERT INTO drafts (unit_id, procedure, period, unit_json, state, revision, created_at,
                   updated_at, owner, owner_name) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id""",
                (unit_id, draft.procedure, draft.period, _dump(asdict(draft.unit)), State.DRAFT, now, now,
                 self.clerk.login, self.clerk.name),
            ).fetchone()[0])
            self._write_forms(c, draft_id, draft.forms, draft.attachments)
            c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                      (draft_id, State.DRAFT, now, action))
            self.log(c, action, draft_id, f"{draft.procedure} {draft.period} {draft.unit.code}")
        return draft_id

    @staticmethod
    def _write_forms(c: Backend, draft_id: int, forms: dict[str, list[Row]],
                     attachments: list[Attachment] | None = None) -> None:
        c.executemany(
            "INSERT INTO draft_rows (draft_id, form, seq, content) VALUES (?, ?, ?, ?)",
            ((draft_id, code, i, _dump(row)) for code, rows in forms.items() for i, row in enumerate(rows)),
        )
        c.execute("DELETE FROM draft_attachments WHERE draft_id = ?", (draft_id,))
        c.executemany(
            "INSERT INTO draft_attachments (draft_id, seq, name, description, content, kind) VALUES (?, ?, ?, ?, ?, ?)",
            ((draft_id, i, a.name, a.description, a.content, a.kind) for i, a in enumerate(attachments or [])))

    def _info_row(self, c: Backend, draft_id: int) -> tuple:
        """(state, revision, filed): the dossier's one state (its submission's, once filed) and revision."""
        row = c.execute(f"SELECT {_STATE}, d.revision, d.submission_id FROM drafts d WHERE d.id = ?",
                        (draft_id,)).fetchone()
        if row is None:
            raise StoreError("store.not_found", what="draft", key=str(draft_id))
        return row

    def _begin_edit(self, c: Backend, draft_id: int, expected_revision: int | None) -> None:
        state, revision, _filed = self._info_row(c, draft_id)
        self._check_lease(c, draft_id)
        state = State(state)
        if expected_revision is not None and revision != expected_revision:
            raise StoreError("store.conflict", key=str(draft_id), found=revision, expected=expected_revision)
        if state not in EDITABLE:
            raise StoreError("store.bad_state", from_=state, to="edit")
        new_state = after_edit(state)
        now = _now()
        # A signature covers exact bytes: an edit makes the signed file worthless.
        # Correcting a refused dossier leaves its refused submission behind, as history: the correction is
        # a new filing, with a new key.
        c.execute("UPDATE drafts SET revision = revision + 1, updated_at = ?, state = ?, signed_file = NULL, "
                  "signed_at = NULL, submission_id = NULL WHERE id = ?", (now, new_state, draft_id))
        if new_state != state:
            c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, 'edit')",
                      (draft_id, new_state, now))

    def save_draft(self, draft_id: int, draft: Draft, *, expected_revision: int | None = None) -> int:
        """Replace the whole content of a draft; returns the new revision."""
        with self.transaction() as c:
            self._begin_edit(c, draft_id, expected_revision)
            c.execute("UPDATE drafts SET procedure = ?, period = ?, unit_json = ? WHERE id = ?",
                      (draft.procedure, draft.period, _dump(asdict(draft.unit)), draft_id))
            c.execute("DELETE FROM draft_rows WHERE draft_id = ?", (draft_id,))
            self._write_forms(c, draft_id, draft.forms, draft.attachments)
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def set_row(self, draft_id: int, form: str, index: int, row: Row, *,
                expected_revision: int | None = None) -> int:
        """Write one row (0-based ``index``; ``index == len`` appends); returns the new revision."""
        with self.transaction() as c:
            self._begin_edit(c, draft_id, expected_revision)
            count = c.execute("SELECT count(*) FROM draft_rows WHERE draft_id = ? AND form = ?",
                              (draft_id, form)).fetchone()[0]
            if not 0 <= index <= count:
                raise StoreError("store.not_found", what="row", key=f"{form}#{index + 1}")
            c.execute("INSERT INTO draft_rows (draft_id, form, seq, content) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (draft_id, form, seq) DO UPDATE SET content = excluded.content",
                      (draft_id, form, index, _dump(row)))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def insert_row(self, draft_id: int, form: str, index: int, row: Row, *,
                   expected_revision: int | None = None) -> int:
        """Insert before 0-based ``index`` (``index == len`` appends); returns the new revision."""
        with self.transaction() as c:
            self._begin_edit(c, draft_id, expected_revision)
            # Two steps so that the primary key never collides while rows move down.
            c.execute("UPDATE draft_rows SET seq = -seq - 1 WHERE draft_id = ? AND form = ? AND seq >= ?",
                      (draft_id, form, index))
            c.execute("UPDATE draft_rows SET seq = -seq WHERE draft_id = ? AND form = ? AND seq < 0", (draft_id, form))
            c.execute("INSERT INTO draft_rows (draft_id, form, seq, content) VALUES (?, ?, ?, ?)",
                      (draft_id, form, index, _dump(row)))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def append_rows(self, draft_id: int, form: str, rows: list[Row]) -> int:
        """Append many rows in one transaction (an Excel import); returns the new revision."""
        with self.transaction() as c:
            self._begin_edit(c, draft_id, None)
            start = c.execute("SELECT count(*) FROM draft_rows WHERE draft_id = ? AND form = ?",
                              (draft_id, form)).fetchone()[0]
            c.executemany("INSERT INTO draft_rows (draft_id, form, seq, content) VALUES (?, ?, ?, ?)",
                          ((draft_id, form, start + i, _dump(r)) for i, r in enumerate(rows)))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def truncate_rows(self, draft_id: int, form: str, keep: int) -> int:
        """Keep the first ``keep`` rows of a form (undoing an append); returns the new revision."""
        with self.transaction() as c:
            self._begin_edit(c, draft_id, None)
            c.execute("DELETE FROM draft_rows WHERE draft_id = ? AND form = ? AND seq >= ?", (draft_id, form, keep))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def delete_row(self, draft_id: int, form: str, index: int, *, expected_revision: int | None = None) -> int:
        with self.transaction() as c:
            self._begin_edit(c, draft_id, expected_revision)
            deleted = c.execute("DELETE FROM draft_rows WHERE draft_id = ? AND form = ? AND seq = ?",
                                (draft_id, form, index)).rowcount
            if not deleted:
                raise StoreError("store.not_found", what="row", key=f"{form}#{index + 1}")
            # Two steps so that the primary key never collides while rows move up.
            c.execute("UPDATE draft_rows SET seq = -seq WHERE draft_id = ? AND form = ? AND seq > ?",
                      (draft_id, form, index))
            c.execute("UPDATE draft_rows SET seq = -seq - 1 WHERE draft_id = ? AND form = ? AND seq < 0",
                      (draft_id, form))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def load_draft(self, draft_id: int) -> Draft:
        c = self._conn
        c.begin_read()     # one consistent snapshot of header and rows
        try:
            row = c.execute("SELECT procedure, period, unit_json FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            if row is None:
                raise StoreError("store.not_found", what="draft", key=str(draft_id))
            forms: dict[str, list[Row]] = {}
            for form, content in c.execute(
                "SELECT form, content FROM draft_rows WHERE draft_id = ? ORDER BY form, seq", (draft_id,)
            ):
                forms.setdefault(form, []).append(json.loads(content))
            attachments = [Attachment(name=n, description=d, content=bytes(b), kind=k) for n, d, b, k in c.execute(
                "SELECT name, description, content, kind FROM draft_attachments WHERE draft_id = ? ORDER BY seq",
                (draft_id,))]
        finally:
            c.commit()
        # A draft stored by an earlier version opens in today's catalog; the store keeps it as it was until
        # the next edit writes the row back, so opening alone changes nothing stored.
        migrations = migrate(row[0], forms)
        return Draft(procedure=row[0], period=row[1], unit=Unit(**json.loads(row[2])), forms=forms,
                     attachments=attachments, migrations=migrations)

    def drafts(self, unit_code: str | None = None, state: State | None = None) -> list[DraftInfo]:
        sql = _INFO + " WHERE 1=1"
        args: list[Any] = []
        if unit_code:
            sql += " AND u.code = ?"
            args.append(unit_code)
        if state:
            sql += f" AND {_STATE} = ?"
            args.append(str(state))
        sql += " ORDER BY d.updated_at DESC, d.id DESC"
        seen = self.visible_units()
        return [DraftInfo(r[0], r[1], r[2], r[3], State(r[4]), *r[5:]) for r in self.read(sql, args)
                if seen is None or r[1] in seen]

    def draft_info(self, draft_id: int) -> DraftInfo:
        found = self.read(_INFO + " WHERE d.id = ?", (draft_id,))
        r = found[0] if found else None
        if r is None:
            raise StoreError("store.not_found", what="draft", key=str(draft_id))
        return DraftInfo(r[0], r[1], r[2], r[3], State(r[4]), *r[5:])

    def delete_draft(self, draft_id: int) -> None:
        """Gone with its rows and attachments; refused once it was sent (app.workflow decides)."""
        with self.transaction() as c:
            require(State(self._info_row(c, draft_id)[0]), Action.DELETE)
            c.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
            self.log(c, "delete", draft_id, "")

    def set_header(self, draft_id: int, *, period: str | None = None, unit: Unit | None = None) -> int:
        with self.transaction() as c:
            self._begin_edit(c, draft_id, None)
            if period is not None:
                c.execute("UPDATE drafts SET period = ? WHERE id = ?", (period, draft_id))
            if unit is not None:
                c.execute("UPDATE drafts SET unit_json = ? WHERE id = ?", (_dump(asdict(unit)), draft_id))
            return int(c.execute("SELECT revision FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0])

    def set_signed(self, draft_id: int, signed_file: bytes, note: str = "") -> None:
        """Keep the signed BHXHDienTu.xml with its dossier and move it to Signed (from Draft or Valid)."""
        with self.transaction() as c:
            current = State(self._info_row(c, draft_id)[0])
            self._check_lease(c, draft_id)
            now = _now()
            path = [State.VALID, State.SIGNED] if current is State.DRAFT else [State.SIGNED]
            for state in path:
                if not can_move(current, state):
                    raise StoreError("store.bad_state", from_=current, to=state)
                c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                          (draft_id, state, now, note))
                current = state
            c.execute("UPDATE drafts SET state = ?, signed_file = ?, signed_at = ?, updated_at = ? WHERE id = ?",
                      (State.SIGNED, signed_file, now, now, draft_id))
            self.log(c, "sign", draft_id, note)

    def signed_file(self, draft_id: int) -> bytes | None:
        rows = self.read("SELECT signed_file FROM drafts WHERE id = ?", (draft_id,))
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def _ui_key(self, key: str) -> str:
        """What a window remembers is its clerk's own on an office store: one clerk's open dossiers are not
        reopened in every other clerk's window."""
        return key if self.dialect == "sqlite" else f"{self.clerk.login}:{key}"

    def ui_get(self, key: str, default: str = "") -> str:
        if key in self._ui_memory:
            return self._ui_memory[key]
        rows = self.read("SELECT value FROM ui_state WHERE key = ?", (self._ui_key(key),))
        return rows[0][0] if rows else default

    def ui_set(self, key: str, value: str) -> None:
        if self.moved_to:          # a moved store takes no write; the window's memory lasts the session
            self._ui_memory[key] = value
            return
        with self.transaction() as c:
            c.execute("INSERT INTO ui_state (key, value) VALUES (?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (self._ui_key(key), value))

    # ------------------------------------------------------------ state and audit

    def set_state(self, draft_id: int, state: State, note: str = "") -> None:
        with self.transaction() as c:
            current = State(self._info_row(c, draft_id)[0])
            if not can_move(current, state):
                raise StoreError("store.bad_state", from_=current, to=state)
            now = _now()
            c.execute("UPDATE drafts SET state = ?, updated_at = ? WHERE id = ?", (state, now, draft_id))
            c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                      (draft_id, state, now, note))
            self.log(c, "state", draft_id, f"{current} → {state}")

    def history(self, draft_id: int) -> list[StateChange]:
        rows = self.read("SELECT state, at, note FROM state_history WHERE draft_id = ? ORDER BY id", (draft_id,))
        return [StateChange(State(s), at, note) for s, at, note in rows]

    def record(self, action: str, draft_id: int | None = None, detail: str = "") -> None:
        with self.transaction() as c:
            self.log(c, action, draft_id, detail)

    def log(self, c: Backend, action: str, draft_id: int | None, detail: str) -> None:
        """An audit entry, inside the caller's transaction, with the clerk who made it."""
        c.execute("INSERT INTO audit (at, action, draft_id, detail, clerk, clerk_name) VALUES (?, ?, ?, ?, ?, ?)",
                  (_now(), action, draft_id, detail, self.clerk.login, self.clerk.name))

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        rows = self.read("SELECT at, action, draft_id, detail, clerk, clerk_name FROM audit ORDER BY id DESC LIMIT ?",
                         (limit,))
        return [AuditEntry(*r) for r in rows]

    # ------------------------------------------------------------ the office: leases, double filing

    def same_filing(self, unit_code: str, procedure: str, period: str, *,
                    other_than: int | None = None) -> list[SameFiling]:
        """Other dossiers of the same unit, procedure and period, oldest first, with their owner and state:
        a second one is most often the same filing made twice, by two clerks."""
        rows = self.read(
            f"""SELECT d.id, d.owner, d.owner_name, {_STATE}, d.created_at
                FROM drafts d JOIN units u ON u.id = d.unit_id
                WHERE u.code = ? AND d.procedure = ? AND d.period = ? AND d.id != ? ORDER BY d.id""",
            (unit_code, procedure, period, other_than if other_than is not None else -1))
        return [SameFiling(r[0], r[1], r[2], State(r[3]), r[4]) for r in rows]

    def acquire_lease(self, draft_id: int, token: str, seconds: float = LEASE_SECONDS) -> Lease:
        """Take or renew (the heartbeat) the editing lease of a dossier for ``token``, timed by the store's
        clock (the server's, for an office store); returns the lease as it now stands, whoever holds it."""
        with self.transaction() as c:
            self._info_row(c, draft_id)
            now = c.now_epoch
            c.execute(
                f"""INSERT INTO leases (draft_id, token, holder, holder_name, since, expires)
                    VALUES (?, ?, ?, ?, {now}, {now} + ?)
                    ON CONFLICT (draft_id) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                      holder_name = excluded.holder_name, expires = excluded.expires,
                      since = CASE WHEN leases.token = excluded.token THEN leases.since ELSE excluded.since END
                    WHERE leases.token = excluded.token OR leases.expires <= excluded.since""",
                (draft_id, token, self.clerk.login, self.clerk.name, float(seconds)))
            lease = self._lease(c, draft_id, token)
        if lease is None:        # only when the store's clock jumped back past a lease just written
            raise StoreError("store.failed", path=self.location, reason="lease")
        if lease.mine:
            _HELD.add(token)
        return lease

    def release_lease(self, draft_id: int, token: str) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM leases WHERE draft_id = ? AND token = ?", (draft_id, token))
        _HELD.discard(token)

    def lease(self, draft_id: int, token: str = "") -> Lease | None:
        """The live lease of a dossier (None when nobody holds one, or it ran out)."""
        return self._lease(self._conn, draft_id, token)

    def _lease(self, c: Backend, draft_id: int, token: str) -> Lease | None:
        row = c.execute(f"SELECT token, holder, holder_name, since, expires, {c.now_epoch} FROM leases "
                        f"WHERE draft_id = ? AND expires > {c.now_epoch}", (draft_id,)).fetchone()
        if row is None:
            return None
        return Lease(draft_id, row[1], row[2], float(row[3]), float(row[4]), row[0] == token, float(row[5]))

    def _check_lease(self, c: Backend, draft_id: int) -> None:
        """Refuse a change to a dossier that another window, command or workstation holds the lease of."""
        row = c.execute(f"SELECT token, holder_name, since FROM leases WHERE draft_id = ? AND expires > {c.now_epoch}",
                        (draft_id,)).fetchone()
        if row is not None and row[0] not in _HELD:
            raise StoreError("store.locked", key=str(draft_id), holder=row[1], since=since_text(float(row[2])))
