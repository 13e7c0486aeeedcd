"""The office store's own rules on a real PostgreSQL server: its URL, its TLS, its migrations; and the
single-PC store working with no psycopg installed at all."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.postgres import conninfo, redacted
from bhxh_desk.app.store.postgres_schema import SCHEMA_VERSION
from bhxh_desk.forms.errors import StoreError
from tests.conftest import ROOT


def test_a_password_in_the_url_is_refused():
    with pytest.raises(StoreError) as info:
        conninfo("postgresql://clerk:secret@db.office.lan/bhxh")
    assert info.value.code == "store.url_password"
    assert "secret" not in info.value.message("en") and "secret" not in redacted("postgresql://c:secret@h/d")


def test_a_server_off_this_machine_is_reached_with_verified_tls():
    assert "sslmode=verify-full" in conninfo("postgresql://clerk@db.office.lan/bhxh")
    assert "sslmode=verify-full" in conninfo("postgresql://clerk@db.office.lan/bhxh?sslmode=verify-full")
    with pytest.raises(StoreError) as info:
        conninfo("postgresql://clerk@db.office.lan/bhxh?sslmode=require")
    assert info.value.code == "store.weak_tls"
    assert "sslmode" not in conninfo("postgresql://clerk@127.0.0.1/bhxh")        # loopback: as given


def test_newer_schema_is_refused(postgres_server):
    url = postgres_server.store_url()
    with Store(url) as store:
        store.record("x")
    schema = url.split("search_path%3D")[1]
    with postgres_server.admin() as conn:
        conn.execute(f"INSERT INTO {schema}.schema_migrations (version) VALUES ({SCHEMA_VERSION + 5})")
    with pytest.raises(StoreError) as info:
        Store(url)
    assert info.value.code == "store.newer_schema"


def test_workstations_opening_a_new_store_at_once_migrate_it_once(postgres_server):
    url = postgres_server.store_url()
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            from bhxh_desk.app.store.postgres import PostgresBackend

            PostgresBackend(url, pooled=False).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    schema = url.split("search_path%3D")[1]
    with postgres_server.admin() as conn:
        versions = [r[0] for r in conn.execute(f"SELECT version FROM {schema}.schema_migrations ORDER BY 1")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_an_unreachable_server_is_a_store_error(postgres_server):
    from bhxh_desk.app.testmode import bound_port

    with pytest.raises(StoreError) as info:
        Store(f"postgresql://nobody@127.0.0.1:{bound_port(0)}/none")
    assert info.value.code == "store.failed"


def test_single_pc_store_needs_no_psycopg(tmp_path):
    """psycopg made unimportable: the SQLite store works as before; an office URL says what to install."""
    code = f"""
import sys
sys.modules['psycopg'] = None
sys.modules['psycopg_pool'] = None
from bhxh_desk.app.store import Store
from bhxh_desk.forms.errors import StoreError
from tests.conftest import example_draft
with Store({str(tmp_path / 's.sqlite3')!r}) as s:
    i = s.create_draft(example_draft())
    assert s.load_draft(i) == example_draft()
try:
    Store('postgresql://clerk@127.0.0.1/bhxh')
except StoreError as exc:
    print(exc.code)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "store.no_postgres"


def test_row_level_security_shows_a_clerk_only_their_units(postgres_server):
    """With the policies on, a clerk's own PostgreSQL role sees and changes only its assigned units' rows,
    whatever the client asks; and cannot assign itself another unit."""
    import psycopg

    from bhxh_desk.app.store import postgres_rls
    from bhxh_desk.app.store.clerks import Clerk, Clerks
    from bhxh_desk.app.workflow import State
    from tests.conftest import example_draft

    schema = postgres_server.new_schema()
    owner_url = postgres_server.url(schema=schema)
    role = f"clerk_{schema[2:10]}"
    with postgres_server.admin() as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    ours, theirs = example_draft(), example_draft()
    theirs.unit.code = "TB0001B"
    with Store(owner_url, clerk=Clerk(postgres_server.user, "Văn phòng")) as office:
        mine_id = office.create_draft(ours)
        other_id = office.create_draft(theirs)
        clerks = Clerks(office)
        clerks.set_clerk(postgres_server.user, "Văn phòng", office_role=True)
        clerks.set_clerk(role, "Trần Thị Bình")
        clerks.assign(role, [ours.unit.code], by=postgres_server.user)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        postgres_rls.enable(conn)
        postgres_rls.grant_clerk(conn, role)
    with Store(postgres_server.url(user=role, schema=schema), clerk=Clerk(role, "Trần Thị Bình")) as clerk:
        # The server's answer to the raw question, not the client's filter:
        assert [r[0] for r in clerk.read("SELECT id FROM drafts")] == [mine_id]
        assert [r[0] for r in clerk.read("SELECT code FROM units")] == [ours.unit.code]
        assert [d.id for d in clerk.drafts()] == [mine_id]
        with pytest.raises(StoreError):
            clerk.load_draft(other_id)
        with pytest.raises(StoreError):
            clerk.set_state(other_id, State.VALID)
        clerk.set_state(mine_id, State.VALID)
        with pytest.raises(StoreError), clerk.transaction() as c:       # only the office role assigns units
            c.execute("INSERT INTO clerk_units (login, unit) VALUES (?, ?)", (role, "TB0001B"))
        with pytest.raises(StoreError):                      # nor a dossier for a unit not given to them
            clerk.create_draft(theirs)
    with Store(owner_url, clerk=Clerk(postgres_server.user, "Văn phòng")) as office:      # the office still sees all
        assert len(office.drafts()) == 2


def test_the_office_password_is_kept_in_the_keyring_and_found_there(monkeypatch, capsys):
    """``store password URL`` keeps it in the OS keyring (here an in-memory one); the URL never holds it."""
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.kept: dict = {}

        def get_password(self, service, username):
            return self.kept.get((service, username))

        def set_password(self, service, username, password):
            self.kept[(service, username)] = password

        def delete_password(self, service, username):
            self.kept.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        from bhxh_desk.app.cli import main

        url = "postgresql://clerk@db.office.lan:5433/bhxh"
        assert "password" not in conninfo(url)
        monkeypatch.setenv("OFFICE_PW", "mật-khẩu-văn-phòng")
        assert main(["store", "password", url, "--password-env", "OFFICE_PW"]) == 0
        assert "mật-khẩu" not in capsys.readouterr().out
        assert "mật-khẩu-văn-phòng" in conninfo(url)
        assert "mật-khẩu" not in conninfo("postgresql://other@db.office.lan:5433/bhxh")
    finally:
        keyring.set_keyring(previous)
