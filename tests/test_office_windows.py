"""Two windows on one office store (a real PostgreSQL server): a dossier open in the first is read-only in
the second, which names the holder; it becomes editable there once the first closes it, or once the
first stops its heartbeat (a crashed PC) and the lease runs out. Edits in the window are committed off
the UI thread, and every one reaches the store."""

from __future__ import annotations

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.clerks import Clerk
from tests.conftest import offline_home

AN = Clerk("an", "Nguyễn Văn An")
BINH = Clerk("binh", "Trần Thị Bình")


@pytest.fixture
def two_windows(qtbot, tmp_path, monkeypatch, pg_url, example):
    from bhxh_desk.app.settings import Settings
    from bhxh_desk.app.ui import lease_keeper
    from bhxh_desk.app.ui.main_window import MainWindow
    from bhxh_desk.forms.catalog import load_catalog

    offline_home(tmp_path, monkeypatch)
    monkeypatch.setattr(lease_keeper, "LEASE_SECONDS", 3.0)          # a heartbeat each second
    with Store(pg_url, clerk=AN) as s:
        draft_id = s.create_draft(example)
    windows = []
    for clerk in (AN, BINH):
        w = MainWindow(Settings.load(), Store(pg_url, clerk=clerk), load_catalog(), lang="vi", test_mode=False)
        qtbot.addWidget(w)
        windows.append(w)
    yield draft_id, windows
    for w in windows:
        w.runner.wait(10_000)
        w.close()
        w.store.close()


def test_the_second_window_is_read_only_with_the_holder_until_the_first_closes(qtbot, two_windows):
    draft_id, (first, second) = two_windows
    mine = first.open_draft(draft_id)
    assert not mine.read_only
    theirs = second.open_draft(draft_id)
    assert theirs.read_only
    label = theirs.lease_keeper.label
    assert not label.isHidden() and AN.name in label.text()
    mine.apply_cell("D02-TS", 0, "ghiChu", "sửa ở cửa sổ thứ nhất")      # through the write-behind
    first.close_editor(first.editors.indexOf(mine))                        # closing lets go at once
    qtbot.waitUntil(lambda: not theirs.read_only, timeout=5_000)
    assert label.isHidden()
    with Store(second.store.path) as check:
        assert check.load_draft(draft_id).forms["D02-TS"][0]["ghiChu"] == "sửa ở cửa sổ thứ nhất"


def test_the_lease_of_a_window_that_stopped_beating_runs_out(qtbot, two_windows):
    draft_id, (first, second) = two_windows
    mine = first.open_draft(draft_id)
    mine.lease_keeper.timer.stop()                 # as if its PC had crashed: no heartbeat, no release
    theirs = second.open_draft(draft_id)
    assert theirs.read_only
    qtbot.waitUntil(lambda: not theirs.read_only, timeout=8_000)
    assert BINH.name not in theirs.lease_keeper.label.text() or theirs.lease_keeper.label.isHidden()


def test_a_second_dossier_for_the_same_filing_is_told_in_the_window(qtbot, two_windows, monkeypatch):
    from bhxh_desk.app.ui.dialogs import NewDossierDialog

    _, (first, second) = two_windows
    monkeypatch.setattr(NewDossierDialog, "exec", lambda self: True)      # the defaults: 600, this month
    first.refresh_units()
    second.refresh_units()
    first.new_dossier()
    assert "Nguyễn Văn An" not in first.statusBar().currentMessage()
    second.new_dossier()
    told = second.statusBar().currentMessage()
    assert "Nguyễn Văn An" in told and "600" in told, told


def test_a_change_to_a_dossier_another_clerk_holds_says_who_holds_it(qtbot, two_windows):
    """Typing into the read-only copy (the grid's edit_blocked) explains itself: it said nothing before."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    draft_id, (first, second) = two_windows
    first.open_draft(draft_id)
    theirs = second.open_draft(draft_id)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.close()
        else:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    theirs.edit_blocked.emit()
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert AN.name in seen[0] and "chỉ xem" in seen[0]
    with Store(second.store.path) as check:
        assert check.load_draft(draft_id).forms == first.store.load_draft(draft_id).forms     # nothing changed
