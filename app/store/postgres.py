"""The office store: the same store on a PostgreSQL server that every clerk's workstation shares.

Needs the ``bhxh-desk[office]`` extra (psycopg 3 and its pool); the single-PC install never imports this.

The URL names the server, the database and the role, never a password: libpq finds it in its own
``.pgpass`` or service file (which it ignores unless mode 0600), or else it comes from the OS keyring
(``app.store.postgres.save_password``). A server not on this machine is reached over TLS with its
certificate and host name verified (``sslmode=verify-full``); a weaker mode for such a server is refused,
because a clerk's LAN is not a place to trust.

Connections come from one pool per URL and process, so that the window's worker threads, which each open
the store for their task, take a connection already made instead of a new TCP and TLS handshake. The
connection runs in autocommit mode and the store begins and commits its own transactions.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any

from bhxh_desk.forms.errors import StoreError

KEYRING_SERVICE = "bhxh-desk-store"
LOOPBACK = ("localhost", "127.0.0.1", "::1", "")
_SAFE_SSL = ("verify-full",)

_pools: dict[str, Any] = {}
_migrated: set[str] = set()
_pools_lock = threading.Lock()


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise StoreError("store.no_postgres") from None
    return psycopg


def _is_local(host: str) -> bool:
    hosts = [h.strip() for h in host.split(",")] if host else [""]
    return all(h in LOOPBACK or h.startswith("/") or h.startswith("127.") for h in hosts)


def redacted(url: str) -> str:
    """The URL as it may be shown or logged: a password put in it anyway is never repeated."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        userinfo, _, hostpart = rest.rpartition("@")
        return f"{scheme}://{userinfo.split(':', 1)[0]}@{hostpart}"
    return url


def conninfo(url: str) -> str:
    """The libpq connection string for a store URL, with the rules above applied (and a keyring password)."""
    psycopg = _psycopg()
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise StoreError("store.failed", path=redacted(url), reason=str(exc)) from None
    if params.get("password"):
        raise StoreError("store.url_password", url=redacted(url))
    host = str(params.get("host") or params.get("hostaddr") or "")
    if not _is_local(host) and not params.get("service"):
        mode = str(params.get("sslmode") or "")
        if mode and mode not in _SAFE_SSL:
            raise StoreError("store.weak_tls", url=redacted(url), mode=mode)
        params["sslmode"] = "verify-full"
    params.setdefault("application_name", "bhxh-desk")
    params.setdefault("connect_timeout", "10")
    password = _keyring_password(params)
    if password:
        params["password"] = password
    return psycopg.conninfo.make_conninfo(**params)


def _keyring_key(params: dict[str, Any]) -> str:
    where = f"{params.get('host') or ''}:{params.get('port') or 5432}/{params.get('dbname') or ''}"
    return f"{params.get('user') or ''}@{where}"


def _keyring_password(params: dict[str, Any]) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, _keyring_key(params))
    except (ImportError, KeyringError, RuntimeError):
        return None


def save_password(url: str, password: str) -> None:
    """Keep the office database's password in this workstation's keyring (never in the URL or settings)."""
    import keyring

    psycopg = _psycopg()
    keyring.set_password(KEYRING_SERVICE, _keyring_key(psycopg.conninfo.conninfo_to_dict(url)), password)


def _configure(conn) -> None:
    # A row another clerk holds is waited for as long as SQLite's busy timeout, then reported, never hung on.
    conn.execute("SET lock_timeout = '10s'")


def _pool(url: str):
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            try:
                from psycopg_pool import ConnectionPool
            except ImportError:
                raise StoreError("store.no_postgres") from None
            info = conninfo(url)
            psycopg = _psycopg()
            try:            # a wrong address or role is told at once, not after the pool's retries
                psycopg.connect(info, autocommit=True).close()
            except psycopg.Error as exc:
                raise StoreError("store.failed", path=redacted(url), reason=_reason(exc)) from None
            pool = ConnectionPool(info, min_size=1, max_size=16, open=False, name="bhxh-desk",
                                  kwargs={"autocommit": True}, configure=_configure, timeout=30)
            try:
                pool.open(wait=True, timeout=15)
            except Exception as exc:      # the pool's own timeout, or psycopg's error, as one store error
                pool.close()
                raise StoreError("store.failed", path=redacted(url), reason=_reason(exc)) from None
            _pools[url] = pool
        return pool


def close_pools() -> None:
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


class PostgresBackend:
    """One pooled connection of the office store, held from open to close."""

    dialect = "postgresql"
    now_epoch = "extract(epoch from clock_timestamp())::float8"

    def __init__(self, url: str, *, pooled: bool = True) -> None:
        psycopg = _psycopg()
        self.errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        self.location = redacted(url)
        self.url = url
        self.path = url                  # what a worker thread passes to Store() to open its own
        self._pool = _pool(url) if pooled else None
        self._sql: dict[str, str] = {}
        self.conn = None
        try:
            if self._pool is not None:
                self.conn = self._pool.getconn()
            else:
                self.conn = psycopg.connect(conninfo(url), autocommit=True)
                _configure(self.conn)
            from bhxh_desk.app.store.postgres_schema import SCHEMA_VERSION, migrate

            # Once per process in full; after that one query, so that a worker's store opens quickly and a
            # store upgraded meanwhile by a newer workstation is still noticed.
            if url not in _migrated or self.conn.execute(
                    "SELECT max(version) FROM schema_migrations").fetchone()[0] != SCHEMA_VERSION:
                migrate(self.conn)
                _migrated.add(url)
        except BaseException as exc:
            if self.conn is not None:            # back to the pool (or closed): never leaked by a failed open
                self.close()
            timeout = getattr(sys.modules.get("psycopg_pool"), "PoolTimeout", psycopg.Error)
            if isinstance(exc, psycopg.Error | timeout):      # PoolTimeout: every connection busy for 30 s
                raise StoreError("store.failed", path=self.location, reason=_reason(exc)) from None
            raise

    def _q(self, sql: str) -> str:
        """The shared dialect's ``?`` placeholders as psycopg's ``%s`` (a literal % doubled first)."""
        q = self._sql.get(sql)
        if q is None:
            q = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return q

    def execute(self, sql: str, args: Any = ()):
        return self.conn.execute(self._q(sql), tuple(args))

    def executemany(self, sql: str, rows: Any):
        cur = self.conn.cursor()
        cur.executemany(self._q(sql), list(rows))
        return cur

    def begin(self) -> None:
        self.conn.execute("BEGIN")

    def begin_read(self) -> None:
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if not self.conn.closed:
            self.conn.execute("ROLLBACK")

    @contextmanager
    def side(self):
        """A second connection of the pool, for a transaction that must outlive the store's own commits:
        the outbox's claim on the submission being sent."""
        conn = self._pool.getconn() if self._pool is not None else _psycopg().connect(conninfo(self.url),
                                                                                        autocommit=True)
        try:
            yield conn
        finally:
            if self._pool is not None:
                self._pool.putconn(conn)
            else:
                conn.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.putconn(self.conn)
        else:
            self.conn.close()
