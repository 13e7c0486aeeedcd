"""Typing in the grid as a clerk does: real key events at 40 ms a key, Tab between cells, pauses of 300 ms to
2 s, while revalidation and autosave run in the background. Whatever was typed is what the store holds."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

KEY_DELAY_MS = 40


def new_600(window) -> int:
    from bhxh_desk.forms.draft import Draft, Unit

    return window.store.create_draft(Draft(procedure="600", period="03/2026", unit=Unit(
        code="TA1234A", name="Hoa Sen", tax_code="0312345678", agency_code="07906", signer="Lan"),
        forms={"D02-TS": [], "TK1-TS": [], "D01-TS": []}))


def type_keys(qtbot, text: str) -> None:
    """One key at a time to whatever has the focus (the grid first, then the cell editor it opens)."""
    for ch in text:
        QTest.keyClick(QApplication.focusWidget(), ch)
        qtbot.wait(KEY_DELAY_MS)


def tab(qtbot) -> None:
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


# (field, text typed, pause before Tab in ms, pause after Tab in ms): revalidation runs 300 ms after each
# commit, so a value typed right after Tab is being typed while the grid's issues change.
ROW = [
    ("pa", "TM", 300, 0),
    ("Hoten", "Tran Van Minh", 0, 0),
    ("Masobhxh", "0079000001", 2000, 0),
    ("Ngaysinh", "01/01/1995", 0, 0),
    ("Gioitinh", "1", 500, 0),
    ("Cmnd", "079095000123", 0, 300),
    ("chucVu", "Nhan vien", 0, 0),
    ("tienLuong", "10000000", 1000, 0),
]


def test_typed_row_arrives_intact_while_revalidation_runs(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab_widget = editor.form_tabs["D02-TS"]
    qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    view = tab_widget.view
    first = editor.cell_index("D02-TS", 0, "pa")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(first).center())
    assert view.currentIndex() == first
    validations = []
    editor.issues_changed.connect(lambda *a: validations.append(a))
    for name, text, before, after in ROW:
        assert view.currentIndex() == editor.cell_index("D02-TS", 0, name), name
        type_keys(qtbot, text)
        editing = QApplication.focusWidget()
        assert isinstance(editing, QLineEdit) and editing.text() == text, name
        qtbot.wait(before)
        assert editing.text() == text and editing.cursorPosition() == len(text), name
        tab(qtbot)
        qtbot.wait(after)
    # "Quan 1" in the workplace column, reached by Tab through the empty cells between
    while view.currentIndex() != editor.cell_index("D02-TS", 0, "noiLamViec"):
        tab(qtbot)
        qtbot.wait(20)
    type_keys(qtbot, "Quan 1")
    tab(qtbot)
    qtbot.wait(600)
    window.runner.wait(10_000)
    assert len(validations) >= 3                  # revalidation did run while the row was typed
    stored = window.store.load_draft(editor.draft_id).forms["D02-TS"][0]
    assert {name: stored.get(name) for name, *_ in ROW} == {name: text for name, text, *_ in ROW}
    assert stored["noiLamViec"] == "Quan 1"


def test_revalidation_does_not_touch_the_open_editor_or_the_selection(window, qtbot):
    """The cell being edited gets its own issue changed under it: the editor keeps its text and cursor,
    and the current cell and selection stay where the clerk put them."""
    editor = window.open_draft(new_600(window))
    editor.add_row("D02-TS", 0)
    editor.add_row("D02-TS", 1)
    view = editor.form_tabs["D02-TS"].view
    index = editor.cell_index("D02-TS", 1, "Ngaysinh")
    view.setFocus()
    view.setCurrentIndex(index)
    type_keys(qtbot, "01/0")
    editing = QApplication.focusWidget()
    assert isinstance(editing, QLineEdit)
    QTest.keyClick(editing, Qt.Key.Key_Left)       # the clerk moved the cursor back one place
    editor.edit_cell("D02-TS", 0, "Hoten", "An")   # an autosave elsewhere, then a full revalidation
    editor.revalidate()
    qtbot.waitUntil(lambda: not editor._validating, timeout=10_000)
    model = editor.form_tabs["D02-TS"].model
    model.set_issues({(1, "Ngaysinh"): ("sai", True), (0, "pa"): ("thiếu", True)})
    qtbot.wait(100)
    assert QApplication.focusWidget() is editing
    assert editing.text() == "01/0" and editing.cursorPosition() == 3
    assert view.currentIndex() == index
    assert [i for i in view.selectionModel().selectedIndexes()] == [index]
