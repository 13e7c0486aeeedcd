"""The store on both back ends (SQLite, and a real PostgreSQL server): drafts, rows, states, audit; and the
SQLite file's own properties: private, WAL, surviving kill -9 (app.store)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.schema import SCHEMA_VERSION
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.errors import StoreError
from tests.conftest import EXAMPLE, ROOT
from tests.crash_writer import digest


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """Every test that takes ``store`` runs on both back ends."""
    where = tmp_path / "s.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store(where) as s:
        yield s


def test_create_and_load(store, example):
    i = store.create_draft(example)
    assert store.load_draft(i) == example
    info = store.draft_info(i)
    assert (info.unit_code, info.procedure, info.period, info.state, info.revision) == (
        "TA1234A", "600", "03/2026", State.DRAFT, 1)
    assert info.rows == sum(len(r) for r in example.forms.values())
    assert [u.code for u in store.units()] == ["TA1234A"]
    assert [u.code for u in store.units("hoa sen")] == ["TA1234A"]
    assert store.units("không có") == []


def test_row_edits_and_revisions(store, example):
    i = store.create_draft(example)
    n = len(example.forms["D02-TS"])
    r = store.set_row(i, "D02-TS", 0, {"pa": "GH"}, expected_revision=1)
    assert r == 2
    r = store.set_row(i, "D02-TS", n, {"pa": "KL"}, expected_revision=r)       # append
    r = store.delete_row(i, "D02-TS", 1, expected_revision=r)
    rows = store.load_draft(i).forms["D02-TS"]
    assert rows[0] == {"pa": "GH"} and rows[-1] == {"pa": "KL"} and len(rows) == n
    assert rows[1] == example.forms["D02-TS"][2]
    with pytest.raises(StoreError) as info:
        store.set_row(i, "D02-TS", 0, {}, expected_revision=1)
    assert info.value.code == "store.conflict"
    with pytest.raises(StoreError):
        store.set_row(i, "D02-TS", n + 5, {})


def test_states_follow_the_workflow(store, example):
    i = store.create_draft(example)
    store.set_state(i, State.VALID)
    store.set_state(i, State.SIGNED)
    with pytest.raises(StoreError) as info:
        store.set_state(i, State.RESULT)
    assert info.value.code == "store.bad_state"
    store.set_row(i, "D02-TS", 0, {"pa": "GH"})          # an edit drops the signature
    assert store.draft_info(i).state == State.DRAFT
    assert [h.state for h in store.history(i)] == [State.DRAFT, State.VALID, State.SIGNED, State.DRAFT]
    store.set_state(i, State.VALID)
    store.set_state(i, State.SIGNED)
    store.set_state(i, State.QUEUED)
    with pytest.raises(StoreError) as info:
        store.set_row(i, "D02-TS", 0, {})
    assert info.value.code == "store.bad_state"
    actions = [a.action for a in store.audit()]
    assert actions.count("state") == 5 and actions[-1] == "create"


def test_file_is_private(tmp_path, example):
    path = tmp_path / "sub" / "s.sqlite3"
    with Store(path) as s:
        s.create_draft(example)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "store.newer_schema"


def test_unreadable_file_is_a_store_error(tmp_path):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "store.foreign"           # reported, never replaced (app.store.health)
    assert path.read_bytes() == b"this is not a database" * 100


def test_wal_mode(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.read("PRAGMA journal_mode")[0][0] == "wal"


def test_survives_kill_9(tmp_path):
    """A child that keeps writing is killed with SIGKILL 100 times; every reported commit survives."""
    db = tmp_path / "crash.sqlite3"
    rng = random.Random(20261126)
    last: dict[int, tuple[int, str]] = {}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kills = 0
    for round_no in range(100):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_writer", str(db), str(round_no), str(EXAMPLE)],
            stdout=subprocess.PIPE, cwd=ROOT, env=env,
        )
        first = child.stdout.readline()          # wait until it is writing
        assert first, "the writer died before its first commit"
        time.sleep(rng.uniform(0, 0.08))
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.wait()
        kills += child.returncode == -signal.SIGKILL
        for line in (first + rest).decode().splitlines():
            parts = line.split()
            if len(parts) == 3 and len(parts[2]) == 64:
                last[int(parts[0])] = (int(parts[1]), parts[2])
    assert kills == 100
    with Store(db) as store:
        assert store.read("PRAGMA integrity_check")[0][0] == "ok"
        for draft_id, (revision, expected) in last.items():
            info = store.draft_info(draft_id)
            # The child may have committed one more edit after its last report before the kill.
            assert info.revision in (revision, revision + 1), draft_id
            if info.revision == revision:
                assert digest(store.load_draft(draft_id)) == expected, draft_id
    print(f"\nkill -9 test: 100 kills, {len(last)} drafts checked")
    assert len(last) >= 100


def test_outbox_queue_once_and_move(store, example):
    """The outbox on both back ends: the same file queues once with one key; its moves are the dossier's."""
    from bhxh_desk.app.gateway.protocol import Receipt
    from bhxh_desk.app.store.outbox import Outbox

    i = store.create_draft(example)
    store.set_state(i, State.VALID)
    store.set_state(i, State.SIGNED)
    outbox = Outbox(store)
    first = outbox.queue(b"<signed/>", gateway="https://gw", account="TA1234A", unit="TA1234A", draft_id=i)
    again = outbox.queue(b"<signed/>", gateway="https://gw", account="TA1234A", unit="TA1234A", draft_id=i)
    assert first.id == again.id and first.idempotency_key == again.idempotency_key
    assert outbox.file(first.id) == b"<signed/>" and store.draft_info(i).state == State.QUEUED
    outbox.attempt(first.id)
    got = outbox.received(first.id, Receipt("00001/2026/00000", "2026-03-01T10:00:00+07:00", 200, first.digest,
                                            first.idempotency_key, False))
    assert (got.state, got.attempts, got.so_ho_so) == (State.RECEIVED, 1, "00001/2026/00000")
    assert outbox.find("00001/2026/00000").id == first.id and store.draft_info(i).state == State.RECEIVED
    assert [s.id for s in outbox.all((State.RECEIVED,))] == [first.id]


def test_register_and_ui_state(store, example):
    from bhxh_desk.app.store import register

    assert register.remember(store, example) > 0
    person = next(r for r in example.forms["D02-TS"] if r.get("Masobhxh"))
    known = register.lookup(store, example.unit.code, ma_so_bhxh=person["Masobhxh"])
    assert known is not None and known.get("Hoten") == person.get("Hoten")
    assert register.lookup(store, "KHAC", ma_so_bhxh=person["Masobhxh"]) is None
    store.ui_set("open", "3")
    store.ui_set("open", "4")
    assert store.ui_get("open") == "4" and store.ui_get("none", "x") == "x"


def test_insert_delete_rows_keep_order(store, example):
    i = store.create_draft(example)
    rows = list(example.forms["D02-TS"])
    store.insert_row(i, "D02-TS", 0, {"pa": "A"})
    store.insert_row(i, "D02-TS", 2, {"pa": "B"})
    store.delete_row(i, "D02-TS", 1)
    got = store.load_draft(i).forms["D02-TS"]
    assert got[0] == {"pa": "A"} and got[1] == {"pa": "B"} and got[2:] == rows[1:]
    store.append_rows(i, "D02-TS", [{"pa": "C"}, {"pa": "D"}])
    store.truncate_rows(i, "D02-TS", len(got))
    assert store.load_draft(i).forms["D02-TS"] == got
    store.delete_draft(i)
    assert store.drafts() == []


def test_a_refused_filing_is_retired_on_both_back_ends(store, example):
    """Outbox.retire (a refused code sends the dossier back to Valid): the same on both back ends."""
    from bhxh_desk.app.store.outbox import Outbox

    i = store.create_draft(example)
    store.set_state(i, State.VALID)
    store.set_signed(i, b"<signed/>")
    outbox = Outbox(store)
    sub = outbox.queue(b"<signed/>", gateway="https://gw", account="TA1234A", unit="TA1234A", draft_id=i)
    outbox.attempt(sub.id)
    outbox.refused(sub.id, [], "bad code")
    assert outbox.retire(sub.id, State.VALID) == i
    assert store.draft_info(i).state == State.VALID and store.signed_file(i) is None
    assert outbox.get(sub.id).state == State.REJECTED
