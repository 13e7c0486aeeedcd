"""The agent office's rules on both back ends: editing leases timed by the store's clock, the clerk in the
audit, the second dossier for the same filing, clerks and their units; and on PostgreSQL a clerk's
process killed with SIGKILL in the middle of an edit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store import store as store_mod
from bhxh_desk.app.store.clerks import Clerk, Clerks
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.errors import StoreError
from tests.conftest import EXAMPLE, ROOT

AN = Clerk("an", "Nguyễn Văn An")
BINH = Clerk("binh", "Trần Thị Bình")


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request, tmp_path):
    return tmp_path / "office.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_a_lease_keeps_others_out_until_released_or_run_out(where, example):
    with Store(where, clerk=AN) as an, Store(where, clerk=BINH) as binh:
        i = an.create_draft(example)
        mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
        lease = an.acquire_lease(i, mine, seconds=1.5)
        assert lease.mine and lease.holder_name == AN.name and lease.remaining > 1
        other = binh.acquire_lease(i, theirs)
        assert not other.mine and other.holder_name == AN.name and other.since == lease.since
        assert an.acquire_lease(i, mine, seconds=1.5).since == lease.since          # a heartbeat keeps "since"
        store_mod._HELD.discard(mine)           # as another process sees it: the holder's edits only
        with pytest.raises(StoreError) as info:
            binh.set_row(i, "D02-TS", 0, {"pa": "X"})
        assert info.value.code == "store.locked" and AN.name in info.value.message("vi")
        time.sleep(1.7)                          # the lease ran out with no heartbeat (a crashed PC)
        assert binh.lease(i) is None
        assert binh.acquire_lease(i, theirs).mine
        binh.set_row(i, "D02-TS", 0, {"pa": "X"})
        binh.release_lease(i, theirs)
        assert an.lease(i) is None and an.acquire_lease(i, mine).mine


def test_the_audit_names_the_clerk(where, example):
    with Store(where, clerk=AN) as an, Store(where, clerk=BINH) as binh:
        i = an.create_draft(example)
        binh.set_state(i, State.VALID)
        entries = an.audit()
        assert [(e.action, e.clerk, e.clerk_name) for e in entries[:2]] == [
            ("state", "binh", BINH.name), ("create", "an", AN.name)]


def test_a_second_dossier_for_the_same_filing_is_told_with_the_first_ones_owner(where, example):
    with Store(where, clerk=AN) as an, Store(where, clerk=BINH) as binh:
        first = an.create_draft(example)
        an.set_state(first, State.VALID)
        second = binh.create_draft(example)
        same = binh.same_filing(example.unit.code, example.procedure, example.period, other_than=second)
        assert [(s.draft_id, s.owner_name, s.state) for s in same] == [(first, AN.name, State.VALID)]
        assert binh.same_filing(example.unit.code, example.procedure, "04/2026") == []


def test_clerks_see_their_units_and_the_office_assigns_them(where):
    with Store(where, clerk=AN) as store:
        clerks = Clerks(store)
        clerks.set_clerk("an", AN.name, office_role=True)
        clerks.set_clerk("binh", BINH.name)
        assert clerks.visible_units("binh") is None              # nothing assigned yet: all
        with pytest.raises(StoreError) as info:
            clerks.assign("an", ["TA1234A"], by="binh")
        assert info.value.code == "store.not_office"
        clerks.assign("binh", ["TA1234A", "TB0001B"], by="an")
        assert clerks.visible_units("binh") == ["TA1234A", "TB0001B"]
        assert clerks.visible_units("an") is None and clerks.visible_units("chi") == []


def test_a_killed_clerk_loses_nothing_committed_and_frees_the_lease(pg_url):
    """kill -9 of a clerk's process in the middle of editing: every edit it reported is there, and the
    dossier it held is free to another clerk once its lease has run out."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-m", "tests.office_editor", pg_url, str(EXAMPLE), "2"],
                             stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True)
    first = child.stdout.readline()        # "draft N": leased and editing
    draft_id = int(first.split()[1])
    head = [child.stdout.readline() for _ in range(20)]        # in the middle of its edits
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    output = "".join(head) + child.stdout.read()
    with Store(pg_url, clerk=BINH) as store:
        lease = store.lease(draft_id)
        assert lease is not None and lease.holder == "an" and not lease.mine
        reported = [line.split() for line in output.splitlines() if line.startswith("edit ")]
        rows = store.load_draft(draft_id).forms["D02-TS"]
        last = max(int(n) for _, n, _ in reported) if reported else 20
        for _, n, value in reported:
            newer = [v for _, m, v in reported if int(m) > int(n) and int(m) % len(rows) == int(n) % len(rows)]
            if not newer:        # the last reported edit of its row is stored, or one edit after it (unreported)
                stored = rows[int(n) % len(rows)]["ghiChu"]
                assert stored == value or stored.startswith(f"edit_{last + 1}_"), (n, stored, value)
        token = uuid.uuid4().hex
        assert not store.acquire_lease(draft_id, token).mine
        deadline = time.monotonic() + 5
        while not store.acquire_lease(draft_id, token).mine:
            assert time.monotonic() < deadline, "the killed clerk's lease never ran out"
            time.sleep(0.2)
        store.set_row(draft_id, "D02-TS", 0, {"pa": "DC"})


def test_signing_and_queueing_honour_another_clerks_lease(where, example):
    """What the command line does to a stored dossier (sign into the store, submit from it) is refused
    while another process holds its lease, naming the holder."""
    from bhxh_desk.app.store.outbox import Outbox

    with Store(where, clerk=AN) as an, Store(where, clerk=BINH) as binh:
        i = an.create_draft(example)
        an.set_state(i, State.VALID)
        token = uuid.uuid4().hex
        an.acquire_lease(i, token)
        store_mod._HELD.discard(token)            # held by another process, as the CLI sees it
        for act in (lambda: binh.set_signed(i, b"<signed/>"),
                    lambda: Outbox(binh).queue(b"<signed/>", gateway="https://gw", account="A", unit="A", draft_id=i)):
            with pytest.raises(StoreError) as info:
                act()
            assert info.value.code == "store.locked" and AN.name in info.value.message("en")
        store_mod._HELD.add(token)
        an.release_lease(i, token)
        binh.set_signed(i, b"<signed/>")
        assert binh.draft_info(i).state == State.SIGNED


def test_importing_a_second_dossier_for_the_same_filing_warns_with_the_first_ones_owner(pg_url, tmp_path):
    from tests.conftest import example_dict

    draft = tmp_path / "600.json"
    draft.write_text(__import__("json").dumps(example_dict(), ensure_ascii=False), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), BHXH_DESK_STORE=pg_url, BHXH_DESK_LANG="en")
    runs = [subprocess.run([sys.executable, "-m", "bhxh_desk.app", "drafts", "import", str(draft)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[1].stderr
    assert "already has" not in runs[0].stderr
    first_id = runs[0].stdout.split()[0]
    assert f"already has a 600 dossier for 03/2026: #{first_id}" in runs[1].stderr and "Draft" in runs[1].stderr


def test_what_a_window_remembers_is_its_clerks_own_in_an_office(pg_url):
    with Store(pg_url, clerk=AN) as an, Store(pg_url, clerk=BINH) as binh:
        an.ui_set("open_drafts", "[1, 2]")
        assert binh.ui_get("open_drafts", "[]") == "[]" and an.ui_get("open_drafts") == "[1, 2]"


def test_a_clerk_sees_the_units_assigned_to_them_and_the_office_sees_all(where, example):
    other = __import__("copy").deepcopy(example)
    other.unit.code = "TB0001B"
    with Store(where, clerk=AN) as an, Store(where, clerk=BINH) as binh:
        ours, theirs = an.create_draft(example), an.create_draft(other)
        clerks = Clerks(an)
        clerks.set_clerk("an", AN.name, office_role=True)
        clerks.set_clerk("binh", BINH.name)
        assert {d.id for d in binh.drafts()} == {ours, theirs}        # nothing assigned yet: all
        clerks.assign("binh", [example.unit.code], by="an")
        assert [d.id for d in binh.drafts()] == [ours] and [u.code for u in binh.units()] == [example.unit.code]
        assert {d.id for d in an.drafts()} == {ours, theirs} and len(an.units()) == 2


def test_the_office_sets_up_clerks_and_assigns_units_from_the_command_line(pg_url):
    import getpass

    me = getpass.getuser()
    env = dict(os.environ, PYTHONPATH=str(ROOT), BHXH_DESK_LANG="en")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "bhxh_desk.app", "store", *args, "--store", pg_url], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)

    assert cli("clerk", me, "--name", "Trưởng văn phòng", "--office").returncode == 0     # the first sets it up
    assert cli("clerk", "binh", "--name", BINH.name).returncode == 0
    done = cli("assign", "binh", "TA1234A", "TB0001B")
    assert done.returncode == 0 and "TA1234A, TB0001B" in done.stdout
    with Store(pg_url, clerk=AN) as store:
        Clerks(store).set_clerk(me, "Trưởng văn phòng", office_role=False)       # no longer the office
    refused = cli("assign", "binh", "TC0002C")
    assert refused.returncode != 0 and "office role" in refused.stderr
