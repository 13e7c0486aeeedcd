"""A real PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a throwaway cluster on 127.0.0.1.

``installer/bootstrap.sh test`` installs the package; the ``postgres_server`` fixture (tests/conftest.py)
starts one cluster per test session with ``initdb`` and ``pg_ctl`` into a temporary folder, listening on
127.0.0.1 on a free port, and creates the test database. Run as root (CI is), the cluster runs as the
``postgres`` user, because PostgreSQL refuses to run as root. Each test then gets its own schema (a store
URL whose ``options`` set the search_path), so tests never see each other's rows and need no new database.

``BHXH_DESK_TEST_PG=postgresql://…`` uses a server that is already running instead. The tests are skipped
only when ``BHXH_DESK_SKIP_POSTGRES=1`` says so; otherwise a missing PostgreSQL fails them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bhxh_desk.app.testmode import bound_port

ADMIN = "bhxh_test"
DATABASE = "bhxh_test"


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql); "
                       "set BHXH_DESK_SKIP_POSTGRES=1 to skip its tests")


@dataclass
class Server:
    host: str
    port: int
    base: Path | None = None           # the cluster's folder, when this session started it
    admin_url: str = ""
    _as_user: list[str] = field(default_factory=list)
    user: str = ADMIN
    dbname: str = DATABASE

    def url(self, *, user: str | None = None, schema: str | None = None, dbname: str | None = None) -> str:
        url = f"postgresql://{user or self.user}@{self.host}:{self.port}/{dbname or self.dbname}"
        if schema:
            url += "?options=" + quote(f"-csearch_path={schema}", safe="")
        return url

    def admin(self):
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True)

    def new_schema(self, owner: str | None = None) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with self.admin() as conn:
            conn.execute(f'CREATE SCHEMA {name} AUTHORIZATION "{owner or self.user}"')
        return name

    def store_url(self, **kwargs) -> str:
        """A fresh, empty office store (its own schema)."""
        return self.url(schema=self.new_schema(), **kwargs)

    def stop(self) -> None:
        if self.base is None:
            return
        subprocess.run([*self._as_user, str(bindir() / "pg_ctl"), "-D", str(self.base / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def start() -> Server:
    """Start a cluster of our own (or name the one in BHXH_DESK_TEST_PG)."""
    given = os.environ.get("BHXH_DESK_TEST_PG", "").strip()
    if given:
        import psycopg

        params = psycopg.conninfo.conninfo_to_dict(given)
        return Server(str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432), admin_url=given,
                      user=str(params.get("user") or ADMIN), dbname=str(params.get("dbname") or DATABASE))
    bins = bindir()
    root = os.geteuid() == 0
    # As root, in /tmp itself: the postgres user must be able to reach the folder (TMPDIR may be root's own).
    base = Path(tempfile.mkdtemp(prefix="bhxh-pg-", dir="/tmp" if root and os.path.isdir("/tmp") else None))
    as_user: list[str] = []
    if root:                        # PostgreSQL refuses to run as root: the postgres user runs it
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root, and there is no postgres user to run the test cluster") from None
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = bound_port(0) or 55432
    data, log = base / "data", base / "server.log"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run([*as_user, str(bins / "initdb"), "-D", str(data), "-U", ADMIN, "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True, env=env)
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off "
               "-c max_connections=100")
    done = subprocess.run([*as_user, str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                           "-w", "-t", "60", "start"], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else done.stderr
        raise RuntimeError(f"the test PostgreSQL did not start: {tail}")
    server = Server("127.0.0.1", port, base, _as_user=as_user)
    server.admin_url = server.url(dbname="postgres")
    with server.admin() as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
    server.admin_url = server.url()
    return server
