"""The sandbox gateway's own SQLite file: accounts, sessions, registered certificates, dossiers, OTPs, SMS.

One connection behind a lock: the server is threaded, and every operation here is short.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bhxh_desk.app.paths import ensure_private_dir

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS accounts (
        code TEXT PRIMARY KEY, kind TEXT NOT NULL, tax_code TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '', pw_salt BLOB NOT NULL, pw_hash BLOB NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS account_units (
        account TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (account, unit))""",
    """CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, account TEXT NOT NULL, expires_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS certificates (
        unit TEXT NOT NULL, serial TEXT NOT NULL, der BLOB NOT NULL, subject TEXT NOT NULL, issuer TEXT NOT NULL,
        tax_code TEXT, not_before TEXT NOT NULL, not_after TEXT NOT NULL, registered_at TEXT NOT NULL,
        PRIMARY KEY (unit, serial))""",
    """CREATE TABLE IF NOT EXISTS dossiers (
        id INTEGER PRIMARY KEY, so_ho_so TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL,
        digest TEXT NOT NULL, unit TEXT NOT NULL, account TEXT NOT NULL, procedure TEXT NOT NULL,
        period TEXT NOT NULL, received_at TEXT NOT NULL, file BLOB NOT NULL, reject_reasons TEXT,
        result BLOB)""",
    # Not unique: with --no-dedupe (a test-only switch) every upload is a dossier of its own, so that a test
    # can count what a client filed twice. Without it, store_dossier finds the first one, in one transaction.
    "CREATE INDEX IF NOT EXISTS dossiers_key ON dossiers(idempotency_key)",
    "CREATE INDEX IF NOT EXISTS dossiers_digest ON dossiers(digest)",
    """CREATE TABLE IF NOT EXISTS sequences (agency TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (agency, year))""",
    """CREATE TABLE IF NOT EXISTS otps (
        request_id TEXT PRIMARY KEY, ma_so_bhxh TEXT NOT NULL, digest TEXT NOT NULL, code_hash BLOB NOT NULL,
        expires_at TEXT NOT NULL, used_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS sms (id INTEGER PRIMARY KEY, at TEXT NOT NULL, recipient TEXT NOT NULL,
        text TEXT NOT NULL)""",
)


def now() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    kind: str
    tax_code: str
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class StoredDossier:
    id: int
    so_ho_so: str
    idempotency_key: str
    digest: str
    unit: str
    procedure: str
    received_at: datetime
    reject_reasons: str | None
    result: bytes | None


class SandboxDB:
    def __init__(self, path: Path) -> None:
        ensure_private_dir(path.parent)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._lock = threading.RLock()
        with self.tx() as c:
            for statement in SCHEMA:
                c.execute(statement)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    # ---------------------------------------------------------------- accounts and sessions

    def add_account(self, code: str, *, kind: str, password: str, tax_code: str = "", name: str = "",
                    phone: str = "", units: list[str] | None = None) -> None:
        salt = secrets.token_bytes(16)
        with self.tx() as c:
            c.execute("""INSERT INTO accounts (code, kind, tax_code, name, phone, pw_salt, pw_hash)
                         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET kind=excluded.kind,
                         tax_code=excluded.tax_code, name=excluded.name, phone=excluded.phone,
                         pw_salt=excluded.pw_salt, pw_hash=excluded.pw_hash""",
                      (code, kind, tax_code, name, phone, salt, _hash(password, salt)))
            for unit in {code, *(units or [])}:
                c.execute("INSERT OR IGNORE INTO account_units (account, unit) VALUES (?, ?)", (code, unit))

    def account(self, code: str) -> Account | None:
        with self._lock:
            row = self._conn.execute("SELECT code, kind, tax_code, name, phone FROM accounts WHERE code = ?",
                                     (code,)).fetchone()
        return Account(*row) if row else None

    def units_of(self, account: str) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute(
                "SELECT unit FROM account_units WHERE account = ? ORDER BY unit", (account,))]

    def login(self, code: str, password: str, ttl: timedelta = timedelta(hours=8)) -> tuple[str, str] | None:
        with self._lock:
            row = self._conn.execute("SELECT pw_salt, pw_hash FROM accounts WHERE code = ?", (code,)).fetchone()
        if row is None or not hmac.compare_digest(_hash(password, row[0]), row[1]):
            return None
        token = secrets.token_urlsafe(32)
        expires = iso(now() + ttl)
        with self.tx() as c:
            c.execute("INSERT INTO sessions (token, account, expires_at) VALUES (?, ?, ?)", (token, code, expires))
        return token, expires

    def session(self, token: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT account, expires_at FROM sessions WHERE token = ?", (token,)).fetchone()
        if row is None or datetime.fromisoformat(row[1]) < now():
            return None
        return row[0]

    # ---------------------------------------------------------------- certificates

    def register_certificate(self, unit: str, serial: str, der: bytes, subject: str, issuer: str,
                             tax_code: str | None, not_before: str, not_after: str) -> bool:
        """True when newly registered, False when it was already there."""
        with self.tx() as c:
            cur = c.execute("""INSERT OR IGNORE INTO certificates (unit, serial, der, subject, issuer, tax_code,
                               not_before, not_after, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                            (unit, serial, der, subject, issuer, tax_code, not_before, not_after, iso(now())))
            return cur.rowcount == 1

    def certificates(self, unit: str) -> list[tuple]:
        with self._lock:
            return self._conn.execute(
                "SELECT serial, subject, issuer, tax_code, not_before, not_after FROM certificates WHERE unit = ?",
                (unit,)).fetchall()

    def is_registered(self, unit: str, serial: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM certificates WHERE unit = ? AND serial = ?",
                                      (unit, serial)).fetchone() is not None

    # ---------------------------------------------------------------- dossiers

    _COLUMNS = "id, so_ho_so, idempotency_key, digest, unit, procedure, received_at, reject_reasons, result"

    def _stored(self, row: tuple | None) -> StoredDossier | None:
        if row is None:
            return None
        return StoredDossier(*row[:6], datetime.fromisoformat(row[6]), row[7], row[8])

    def find(self, *, key: str | None = None, digest: str | None = None, so_ho_so: str | None = None
             ) -> StoredDossier | None:
        column, value = ("idempotency_key", key) if key else ("digest", digest) if digest else ("so_ho_so", so_ho_so)
        with self._lock:
            return self._stored(self._conn.execute(
                f"SELECT {self._COLUMNS} FROM dossiers WHERE {column} = ? ORDER BY id LIMIT 1", (value,)).fetchone())

    def store_dossier(self, *, key: str, digest: str, unit: str, account: str, procedure: str, period: str,
                      agency: str, file: bytes, reject_reasons: str | None, dedupe: bool = True
                      ) -> tuple[StoredDossier, bool]:
        """Store once; a second call with the same key or digest returns the first (and False). With
        ``dedupe`` off (the test-only --no-dedupe) every call stores a new dossier."""
        with self.tx() as c:
            existing = c.execute(f"SELECT {self._COLUMNS} FROM dossiers WHERE idempotency_key = ? OR digest = ? "
                                 "ORDER BY id LIMIT 1", (key, digest)).fetchone() if dedupe else None
            if existing:
                return self._stored(existing), False
            received = now()
            year = received.astimezone().year
            c.execute("INSERT OR IGNORE INTO sequences (agency, year, last) VALUES (?, ?, 0)", (agency, year))
            c.execute("UPDATE sequences SET last = last + 1 WHERE agency = ? AND year = ?", (agency, year))
            seq = c.execute("SELECT last FROM sequences WHERE agency = ? AND year = ?", (agency, year)).fetchone()[0]
            so_ho_so = f"{seq:05d}/{year}/{agency}"
            c.execute("""INSERT INTO dossiers (so_ho_so, idempotency_key, digest, unit, account, procedure, period,
                         received_at, file, reject_reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                      (so_ho_so, key, digest, unit, account, procedure, period, iso(received), file, reject_reasons))
            row = c.execute(f"SELECT {self._COLUMNS} FROM dossiers WHERE so_ho_so = ?", (so_ho_so,)).fetchone()
            return self._stored(row), True

    def dossier_file(self, dossier_id: int) -> bytes:
        with self._lock:
            return self._conn.execute("SELECT file FROM dossiers WHERE id = ?", (dossier_id,)).fetchone()[0]

    def set_result(self, dossier_id: int, result: bytes) -> None:
        with self.tx() as c:
            c.execute("UPDATE dossiers SET result = ? WHERE id = ? AND result IS NULL", (result, dossier_id))

    def count_dossiers(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM dossiers").fetchone()[0]

    # ---------------------------------------------------------------- OTP and SMS

    def add_otp(self, ma_so_bhxh: str, digest: str, code: str, ttl: timedelta) -> tuple[str, str]:
        request_id = secrets.token_hex(8)
        expires = iso(now() + ttl)
        with self.tx() as c:
            c.execute("""INSERT INTO otps (request_id, ma_so_bhxh, digest, code_hash, expires_at)
                         VALUES (?, ?, ?, ?, ?)""",
                      (request_id, ma_so_bhxh, digest, hashlib.sha256(code.encode()).digest(), expires))
        return request_id, expires

    def use_otp(self, request_id: str, ma_so_bhxh: str, digest: str, code: str) -> str | None:
        """None when the code is accepted (and now used up); else the refusal code."""
        with self.tx() as c:
            row = c.execute("SELECT ma_so_bhxh, digest, code_hash, expires_at, used_at FROM otps WHERE request_id = ?",
                            (request_id,)).fetchone()
            if row is None:
                return "otp.wrong"
            if row[0] != ma_so_bhxh or row[1] != digest:
                return "otp.not_bound"
            if not hmac.compare_digest(row[2], hashlib.sha256(code.encode()).digest()):
                return "otp.wrong"
            if row[4] is not None:
                return "otp.used"
            if datetime.fromisoformat(row[3]) < now():
                return "otp.expired"
            c.execute("UPDATE otps SET used_at = ? WHERE request_id = ?", (iso(now()), request_id))
            return None

    def send_sms(self, recipient: str, text: str) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO sms (at, recipient, text) VALUES (?, ?, ?)", (iso(now()), recipient, text))

    def sms(self, recipient: str) -> list[tuple[str, str]]:
        with self._lock:
            return self._conn.execute("SELECT at, text FROM sms WHERE recipient = ? ORDER BY id",
                                      (recipient,)).fetchall()
