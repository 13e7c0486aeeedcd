"""The outbox: signed dossiers queued for a gateway, and what the gateway answered.

    Queued → Submitted → Received → Processing → Result | Rejected

``Submitted`` means "an upload was attempted and its outcome is unknown": after a crash or a lost reply
the dossier is sent again with the *same* idempotency key, which the gateway answers with its first
receipt. Every method is one transaction on the store.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from bhxh_desk.app.gateway.protocol import PROCESSING, REJECTED, RESULT, DossierStatus, Reason, Receipt
from bhxh_desk.app.store.store import Store, _now
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.errors import StoreError

_FIELDS = ("id, draft_id, gateway, account, unit, digest, idempotency_key, state, so_ho_so, received_at, status, "
           "reasons, result_verified, attempts, last_error, created_at, updated_at")


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    draft_id: int | None
    gateway: str
    account: str
    unit: str
    digest: str
    idempotency_key: str
    state: State
    so_ho_so: str | None
    received_at: str | None
    status: int | None
    reasons: tuple[Reason, ...]
    result_verified: bool
    attempts: int
    last_error: str
    created_at: str
    updated_at: str


def _row(r: tuple) -> Submission:
    reasons = tuple(Reason.from_json(d) for d in json.loads(r[11]) if isinstance(d, dict))
    return Submission(r[0], r[1], r[2], r[3], r[4], r[5], r[6], State(r[7]), r[8], r[9], r[10], reasons,
                      bool(r[12]), r[13], r[14], r[15], r[16])


def _reasons_json(reasons) -> str:
    return json.dumps([r.to_json() for r in reasons], ensure_ascii=False)


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def queue(self, file: bytes, *, gateway: str, account: str, unit: str, draft_id: int | None = None) -> Submission:
        """Queue a signed file once: the same file for the same gateway is the same submission."""
        digest = hashlib.sha256(file).hexdigest()
        now = _now()
        with self.store.transaction() as c:
            if draft_id is not None:
                self.store._check_lease(c, draft_id)     # another clerk is editing it: not filed from here
            c.execute("""INSERT INTO submissions (draft_id, gateway, account, unit, file, digest,
                         idempotency_key, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                         ON CONFLICT (gateway, digest) DO NOTHING""",
                      (draft_id, gateway, account, unit, file, digest, str(uuid.uuid4()), State.QUEUED, now, now))
            row = c.execute(f"SELECT {_FIELDS} FROM submissions WHERE gateway = ? AND digest = ?",
                            (gateway, digest)).fetchone()
            if draft_id is not None:
                # From here the dossier's state is its submission's (app.store.store: one state machine).
                c.execute("UPDATE drafts SET submission_id = ?, state = ?, updated_at = ? WHERE id = ?",
                          (row[0], State.SIGNED, now, draft_id))
                c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                          (draft_id, State(row[7]), now, f"submission {row[0]}"))
            self.store.log(c, "queue", draft_id, f"{unit} {digest[:12]} → {gateway}")
        return _row(row)

    def get(self, submission_id: int) -> Submission:
        row = self._one(f"SELECT {_FIELDS} FROM submissions WHERE id = ?", (submission_id,))
        if row is None:
            raise StoreError("store.not_found", what="submission", key=str(submission_id))
        return _row(row)

    def find(self, so_ho_so: str) -> Submission:
        row = self._one(f"SELECT {_FIELDS} FROM submissions WHERE so_ho_so = ?", (so_ho_so,))
        if row is None:
            raise StoreError("store.not_found", what="dossier", key=so_ho_so)
        return _row(row)

    def file(self, submission_id: int) -> bytes:
        row = self._one("SELECT file FROM submissions WHERE id = ?", (submission_id,))
        if row is None:
            raise StoreError("store.not_found", what="submission", key=str(submission_id))
        return bytes(row[0])

    def result(self, submission_id: int) -> bytes | None:
        row = self._one("SELECT result FROM submissions WHERE id = ?", (submission_id,))
        return bytes(row[0]) if row and row[0] is not None else None

    def all(self, states: tuple[State, ...] = ()) -> list[Submission]:
        sql = f"SELECT {_FIELDS} FROM submissions"
        args: list[str] = []
        if states:
            sql += f" WHERE state IN ({', '.join('?' * len(states))})"
            args = [str(s) for s in states]
        return [_row(r) for r in self.store.read(sql + " ORDER BY id", args)]

    @contextmanager
    def claimed(self, gateway: str, *, units: Collection[str] | None = None,
                skip: Collection[int] = ()) -> Iterator[Submission | None]:
        """The next submission to send (Queued, or Submitted and in doubt) for this gateway and these units,
        held by this sender for as long as the block runs; None when there is none left.

        On an office store several workstations and ``sync --daemon`` share the outbox: the claim is the
        row of ``outbox_claims`` locked with SELECT … FOR UPDATE SKIP LOCKED in a transaction on a second
        connection, so that the others skip it while the sender records its attempt, uploads and records
        the receipt on the store's own connection, each committed as it happens. A sender that dies lets go
        of it at once (its connection is gone and its transaction with it). On a SQLite file the PC's own
        windows and commands take turns, as before."""
        sendable = (str(State.QUEUED), str(State.SUBMITTED))
        skipped = list(skip)
        if self.store.dialect != "postgresql":
            for sub in self.all((State.QUEUED, State.SUBMITTED)):
                if sub.gateway == gateway and (units is None or sub.unit in units) and sub.id not in skipped:
                    yield sub
                    return
            yield None
            return
        unit_list = sorted(units) if units is not None else None
        with self.store._conn.side() as conn:
            conn.execute("INSERT INTO outbox_claims (submission_id) SELECT id FROM submissions "
                         "WHERE state = ANY(%s) ON CONFLICT DO NOTHING", (list(sendable),))
            while True:
                with conn.transaction():
                    row = conn.execute(
                        """SELECT k.submission_id FROM outbox_claims k JOIN submissions s ON s.id = k.submission_id
                           WHERE s.state = ANY(%s) AND s.gateway = %s AND (%s::text[] IS NULL OR s.unit = ANY(%s))
                             AND NOT (s.id = ANY(%s))
                           ORDER BY s.id LIMIT 1 FOR UPDATE OF k SKIP LOCKED""",
                        (list(sendable), gateway, unit_list, unit_list or [], skipped)).fetchone()
                    if row is None:
                        yield None
                        return
                    # Read again now that it is ours: another sender may have filed it just before.
                    state = conn.execute("SELECT state FROM submissions WHERE id = %s", (row[0],)).fetchone()[0]
                    if state in sendable:
                        yield self.get(row[0])
                        return
                skipped.append(row[0])

    def _one(self, sql: str, args: tuple) -> tuple | None:
        rows = self.store.read(sql, args)
        return rows[0] if rows else None

    def _set(self, submission_id: int, action: str, **columns: object) -> Submission:
        columns["updated_at"] = _now()
        assignments = ", ".join(f"{k} = ?" for k in columns)
        with self.store.transaction() as c:
            c.execute(f"UPDATE submissions SET {assignments} WHERE id = ?", (*columns.values(), submission_id))
            row = c.execute(f"SELECT {_FIELDS} FROM submissions WHERE id = ?", (submission_id,)).fetchone()
            state = columns.get("state")
            if state:
                self.store.log(c, action, row[1], f"submission {submission_id}: {state}")
                if row[1] is not None:      # the dossier's history shows its filing's moves too
                    c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, 'gateway')",
                              (row[1], State(state), columns["updated_at"]))
        return _row(row)

    def attempt(self, submission_id: int) -> Submission:
        """Recorded *before* the upload: from here on the gateway may have the file."""
        sub = self.get(submission_id)
        return self._set(submission_id, "submit", state=State.SUBMITTED, attempts=sub.attempts + 1)

    def failed_attempt(self, submission_id: int, message: str) -> Submission:
        return self._set(submission_id, "error", last_error=message[:500])

    def received(self, submission_id: int, receipt: Receipt) -> Submission:
        return self._set(submission_id, "receipt", state=State.RECEIVED, so_ho_so=receipt.so_ho_so,
                         received_at=receipt.received_at, status=receipt.status, last_error="")

    def refused(self, submission_id: int, reasons: Sequence[Reason], message: str) -> Submission:
        return self._set(submission_id, "refused", state=State.REJECTED, reasons=_reasons_json(reasons),
                         last_error=message[:500])

    def progressed(self, submission_id: int, status: DossierStatus) -> Submission:
        state = {PROCESSING: State.PROCESSING, RESULT: State.RESULT, REJECTED: State.REJECTED}.get(status.status)
        columns: dict[str, object] = {"status": status.status,
                                      "reasons": _reasons_json(status.reasons)}
        if state and state not in (State.RESULT, State.REJECTED):
            columns["state"] = state
        return self._set(submission_id, "status", **columns)

    def settled(self, submission_id: int, status: DossierStatus, result: bytes, verified: bool) -> Submission:
        state = State.RESULT if status.status == RESULT else State.REJECTED
        return self._set(submission_id, "result", state=state, status=status.status, result=result,
                         result_verified=int(verified), reasons=_reasons_json(status.reasons))

    def retire(self, submission_id: int, back_to: State) -> int | None:
        """A refused submission lets go of its dossier, which goes back to ``back_to`` with no signed file;
        returns the dossier's id. The submission stays, Rejected, as history: it is never sent again (only
        Queued and Submitted ones are), and its idempotency key is never reused, since the next filing of the
        dossier is a new submission with a key of its own."""
        now = _now()
        with self.store.transaction() as c:
            row = c.execute("SELECT draft_id, state FROM submissions WHERE id = ?", (submission_id,)).fetchone()
            if row is None:
                raise StoreError("store.not_found", what="submission", key=str(submission_id))
            if State(row[1]) is not State.REJECTED:
                raise StoreError("store.bad_state", from_=State(row[1]), to=back_to)
            c.execute("UPDATE drafts SET submission_id = NULL, state = ?, signed_file = NULL, signed_at = NULL, "
                      "updated_at = ? WHERE submission_id = ?", (back_to, now, submission_id))
            if row[0] is not None:
                c.execute("INSERT INTO state_history (draft_id, state, at, note) VALUES (?, ?, ?, ?)",
                          (row[0], back_to, now, f"submission {submission_id} retired"))
            self.store.log(c, "retire", row[0], f"submission {submission_id} → {back_to}")
        return row[0]
