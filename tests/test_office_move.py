"""``store migrate --to postgresql://…``: a workstation's SQLite store moves into the office store, run twice,
with nothing lost or duplicated, and the old store marked as moved (read-only, naming the office store)."""

from __future__ import annotations

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store import register as employee_register
from bhxh_desk.app.store.move import move_to_office
from bhxh_desk.app.store.outbox import Outbox
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.errors import StoreError
from tests.conftest import example_draft, minimal_dict


def test_moving_1000_drafts_and_a_queued_outbox_twice(tmp_path, pg_url):
    path = tmp_path / "pc.sqlite3"
    with Store(path) as pc:
        base = minimal_dict()
        ids = []
        for i in range(1000):
            d = dict(base, period=f"{1 + i % 12:02d}/20{20 + i // 12 % 6}")
            ids.append(pc.create_draft(draft_from_dict(d)))
        rich = pc.create_draft(example_draft())              # rows, an attachment, the register
        employee_register.remember(pc, example_draft())
        outbox = Outbox(pc)
        for n, i in enumerate(ids[:30]):
            pc.set_state(i, State.VALID)
            pc.set_state(i, State.SIGNED)
            outbox.queue(f"<signed n='{n}'/>".encode(), gateway="https://gw", account="TA1234A", unit="TA1234A",
                         draft_id=i)
        outbox.attempt(outbox.all()[0].id)                     # one in doubt
        before = {s.idempotency_key: (str(s.state), s.attempts) for s in outbox.all()}
        audit_count = len(pc.audit(100_000))
        rich_draft = pc.load_draft(rich)
    first = move_to_office(path, pg_url)
    assert (first.drafts, first.submissions) == (1001, 30)
    again = move_to_office(path, pg_url)                      # safe to run again: nothing twice
    assert (again.drafts, again.drafts_there, again.submissions, again.submissions_there) == (0, 1001, 0, 30)
    with Store(pg_url) as office:
        assert len(office.drafts()) == 1001
        after = {s.idempotency_key: (str(s.state), s.attempts) for s in Outbox(office).all()}
        assert after == before
        queued = [d for d in office.drafts() if d.state in (State.QUEUED, State.SUBMITTED)]
        assert len(queued) == 30
        moved_rich = next(d.id for d in office.drafts() if d.rows == sum(len(r) for r in rich_draft.forms.values())
                          and d.rows > 1)
        assert office.load_draft(moved_rich) == rich_draft
        assert len([a for a in office.audit(100_000) if a.action != "moved-in"]) >= audit_count
        person = next(r for r in rich_draft.forms["D02-TS"] if r.get("Masobhxh"))
        assert employee_register.lookup(office, "TA1234A", ma_so_bhxh=person["Masobhxh"]) is not None
    with Store(path) as old:                                     # the old PC: read-only, naming the office
        assert old.moved_to and "postgresql://" in old.moved_to
        assert len(old.drafts()) == 1001
        with pytest.raises(StoreError) as info:
            old.create_draft(example_draft())
        assert info.value.code == "store.moved" and "postgresql://" in info.value.message("en")


def test_store_migrate_command(tmp_path, pg_url):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path / "pc.sqlite3"
    with Store(path) as pc:
        pc.create_draft(example_draft())
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "store", "migrate", "--to", pg_url,
                               "--store", str(path)], cwd=ROOT, env={**os.environ, "BHXH_DESK_LANG": "en"},
                              capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    assert "0 drafts (1 there from an earlier run)" in done.stdout
    with Store(pg_url) as office:
        assert len(office.drafts()) == 1


def test_the_old_pcs_window_opens_the_moved_store_read_only_naming_the_office(qtbot, tmp_path, monkeypatch, pg_url):
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.app.ui.qt_app import Application
    from tests.conftest import offline_home

    offline_home(tmp_path, monkeypatch)
    with Store(default_paths().store) as pc:
        draft_id = pc.create_draft(example_draft())
    move_to_office(default_paths().store, pg_url)
    app = Application(["bhxh-desk"])
    qtbot.addWidget(app.build())
    try:
        assert "postgresql://" in app.window.statusBar().currentMessage()
        editor = app.window.open_draft(draft_id)
        assert editor.read_only
    finally:
        app.window.runner.wait(10_000)
        app.close()
