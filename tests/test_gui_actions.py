"""Every toolbar and menu action, triggered the way a click does (QAction.trigger emits triggered(False)),
with the file dialogs and message boxes answered by the test: none raises, none logs an error, none shows
an unexpected warning, and Excel import and Save PDF do their work."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMenu, QMessageBox, QToolBar

MENUS = ("menu-file", "menu-dossier", "menu-filing", "menu-help")


@pytest.fixture
def window(offline_app):
    return offline_app


class Answers:
    """What the dialogs were asked, and what the test answered."""

    def __init__(self, tmp_path, monkeypatch) -> None:
        self.seen: list[tuple[str, str]] = []
        self.xlsx = tmp_path / "in.xlsx"
        self.saved: list[str] = []
        self.tmp = tmp_path
        m = monkeypatch
        m.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: self._open(*a)))
        m.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: self._save(*a)))
        for kind in ("information", "warning", "critical", "question"):
            m.setattr(QMessageBox, kind, staticmethod(lambda *a, _k=kind, **kw: self._box(_k, *a)))
        m.setattr(QMessageBox, "about", staticmethod(lambda *a, **k: self._box("about", *a)))
        m.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
        m.setattr(QDialog, "exec", lambda dialog: self._box("dialog", None, type(dialog).__name__) or 0)
        from PySide6.QtGui import QDesktopServices

        m.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: self.seen.append(("open", url.toLocalFile()))))

    def _open(self, parent, caption, *rest):
        self.seen.append(("open-file", caption))
        return str(self.xlsx), ""

    def _save(self, parent, caption, name, *rest):
        path = str(self.tmp / name)
        self.saved.append(path)
        self.seen.append(("save-file", caption))
        return path, ""

    def _box(self, kind, parent, *text):
        self.seen.append((kind, " ".join(str(t) for t in text)))
        return QMessageBox.StandardButton.Ok


def every_action(window) -> dict[str, QAction]:
    actions = {a.objectName(): a for a in window.findChild(QToolBar, "toolbar").actions() if a.objectName()}
    for name in MENUS:
        menu = window.findChild(QMenu, name)
        assert menu is not None, name
        actions.update({a.objectName(): a for a in menu.actions() if a.objectName()})
    return actions


def test_menu_bar_holds_the_toolbar_actions_with_their_shortcuts(window):
    win = window.window
    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert titles == ["Tệp", "Hồ sơ", "Ký và nộp", "Trợ giúp"]
    in_menus = {a.objectName() for name in MENUS for a in win.findChild(QMenu, name).actions()}
    toolbar = {a.objectName() for a in win.findChild(QToolBar, "toolbar").actions() if a.objectName()}
    assert toolbar <= in_menus
    for name in in_menus - {""}:
        action = win.findChild(QAction, name)
        assert not action.shortcut().isEmpty(), f"{name} has no shortcut"
    shortcuts = [win.findChild(QAction, n).shortcut().toString() for n in in_menus - {""}]
    assert len(shortcuts) == len(set(shortcuts)), "two actions share a shortcut"


def test_every_action_works_when_clicked(window, qtbot, tmp_path, monkeypatch, caplog):
    from openpyxl import Workbook

    from tests.test_gui_typing import new_600

    caplog.set_level(logging.WARNING)
    answers = Answers(tmp_path, monkeypatch)
    wb = Workbook()
    wb.active.append(["pa", "Hoten", "Masobhxh", "Ngaysinh", "Gioitinh", "chucVu", "tienLuong", "tuThang",
                      "maVungLTT"])
    wb.active.append(["TM", "Trần Văn Minh", "0079000001", "01/01/1995", "1", "Kỹ sư", 15000000, "03/2026", "01"])
    wb.save(answers.xlsx)
    win = window.window
    # first with nothing open, then with a dossier open and selected in the list
    names = [n for n in every_action(win) if n not in ("quit", "language")]
    for name in names:
        win.findChild(QAction, name).trigger()
        win.runner.wait(30_000)
        qtbot.wait(20)
    editor = win.open_draft(new_600(win))
    editor.add_row("D02-TS", 0)
    win.refresh_dossiers()
    win.dossiers.selectRow(0)
    before = len(answers.seen)
    for name in names:
        win.findChild(QAction, name).trigger()
        win.runner.wait(30_000)
        qtbot.wait(20)
        if name == "import-excel":                       # the preview (app/ui/import_dialog.py), taken as shown
            qtbot.waitUntil(lambda: getattr(win.import_dialog, "result", None) is not None, timeout=30_000)
            win.import_dialog.apply()
        for dialog in win.findChildren(QDialog):          # non-modal ones (signing) are closed again
            if dialog.isVisible():
                dialog.reject()
    qtbot.wait(200)
    win.runner.wait(30_000)
    unexpected = [s for s in answers.seen if s[0] in ("warning", "critical")]
    assert not unexpected, unexpected
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    # the two that failed with TypeError: the Excel rows arrived, the PDF was written
    rows = win.store.load_draft(editor.draft_id).forms["D02-TS"]
    assert any(r.get("Hoten") == "Trần Văn Minh" for r in rows)
    pdfs = [p for p in answers.saved if p.endswith(".pdf")]
    assert pdfs and Path(pdfs[0]).read_bytes().startswith(b"%PDF")
    xlsx = [p for p in answers.saved if p.endswith(".xlsx")]
    assert xlsx and os.path.getsize(xlsx[0]) > 0
    assert ("open-file", "Nhập Excel") in answers.seen[before:]
    assert any(kind == "about" for kind, _ in answers.seen)
    assert win.last_preview.pages                  # "Xem trước và in…": the printout shown inside the app


def test_language_and_quit(window, qtbot):
    app = window
    first = app.window
    first.findChild(QAction, "language").trigger()
    assert app.window is not first and app.window.lang == "en"
    app.window.findChild(QAction, "quit").trigger()
    assert not app.window.isVisible()
