"""The grid with the keyboard alone, as in Excel: a new list opens on one empty row with the cursor in it,
typing starts editing, Tab moves right and past the last column to a new row, Enter moves down, Delete
clears (undoable), F2 edits, Ctrl+F finds a row. And what a new row starts with: the unit's zone, and for
TK1-TS the D02-TS person. Real key events; the store is read back."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton

from tests.test_gui_pickers import key, new_600, type_text


def rows(window, editor, form: str = "D02-TS") -> list[dict]:
    window.runner.wait(10_000)
    return window.store.load_draft(editor.draft_id).forms[form]


def test_a_new_list_opens_on_one_empty_row_with_the_cursor_in_its_first_cell(window, qtbot):
    editor = window.open_draft(new_600(window))
    view = editor.form_tabs["D02-TS"].view
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view, timeout=3_000)
    assert view.currentIndex() == editor.cell_index("D02-TS", 0, "pa")
    assert rows(window, editor) == [{}]
    type_text(qtbot, "TM")                          # typing starts editing, right away
    key(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Tran Van Minh")
    key(qtbot, Qt.Key.Key_Tab)
    assert rows(window, editor)[0] == {"pa": "TM", "Hoten": "Tran Van Minh"}


def test_tab_past_the_last_column_starts_a_new_row_and_enter_moves_down(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = editor.form_tabs["D02-TS"]
    view = tab.view
    last = tab.model.columnCount() - 1
    view.setFocus()
    view.setCurrentIndex(tab.model.index(0, last))
    type_text(qtbot, "x")
    key(qtbot, Qt.Key.Key_Tab)
    assert tab.model.rowCount() == 2 and view.currentIndex() == tab.model.index(1, 1)
    type_text(qtbot, "GH")
    key(qtbot, Qt.Key.Key_Return)                   # commits; the cursor stays in its column, a row down
    assert view.currentIndex() == tab.model.index(1, 1)          # the last row: nowhere further down
    view.setCurrentIndex(editor.cell_index("D02-TS", 0, "Hoten"))
    type_text(qtbot, "An")
    key(qtbot, Qt.Key.Key_Return)
    assert view.currentIndex() == editor.cell_index("D02-TS", 1, "Hoten")
    assert QApplication.focusWidget() is view                    # moved, not editing
    type_text(qtbot, "Binh")
    key(qtbot, Qt.Key.Key_Enter)
    stored = rows(window, editor)
    assert stored[0]["Hoten"] == "An" and stored[1] == {"pa": "GH", "Hoten": "Binh"}
    assert stored[0][tab.model.field_at(last).name] == "x"


def test_delete_clears_the_selected_cells_as_one_step_and_f2_edits(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = editor.form_tabs["D02-TS"]
    for name, text in (("pa", "TM"), ("Hoten", "Lan"), ("chucVu", "Kế toán")):
        editor.edit_cell("D02-TS", 0, name, text)
    view = tab.view
    view.setFocus()
    view.setCurrentIndex(editor.cell_index("D02-TS", 0, "pa"))
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)     # pa and Hoten
    key(qtbot, Qt.Key.Key_Delete)
    assert rows(window, editor)[0] == {"chucVu": "Kế toán"}
    key(qtbot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(window, editor)[0] == {"pa": "TM", "Hoten": "Lan", "chucVu": "Kế toán"}
    view.setCurrentIndex(editor.cell_index("D02-TS", 0, "Hoten"))
    key(qtbot, Qt.Key.Key_F2)
    editing = QApplication.focusWidget()
    assert isinstance(editing, QLineEdit) and editing.text() == "Lan"
    key(qtbot, Qt.Key.Key_End)
    type_text(qtbot, "h")
    key(qtbot, Qt.Key.Key_Tab)
    assert rows(window, editor)[0]["Hoten"] == "Lanh"


def test_ctrl_f_finds_a_row_by_name_number_or_cccd(window, qtbot):
    editor = window.open_draft(new_600(window))
    people = [("Phạm Quốc Huy", "0123456789", "079088000111"), ("Nguyễn Thị Lan", "0123456790", "079090000222"),
              ("Trần Văn Minh", "", "079095000333")]
    for row, (name, number, cccd) in enumerate(people):
        if row:
            editor.add_row("D02-TS", row)
        editor.edit_cell("D02-TS", row, "Hoten", name)
        if number:
            editor.edit_cell("D02-TS", row, "Masobhxh", number)
        editor.edit_cell("D02-TS", row, "Cmnd", cccd)
    tab = editor.form_tabs["D02-TS"]
    tab.view.setFocus()
    tab.view.setCurrentIndex(tab.model.index(0, 1))
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.find
    type_text(qtbot, "tran van")                    # accents and case aside
    assert tab.view.currentIndex().row() == 2
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "0123456790")
    assert tab.view.currentIndex().row() == 1
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "0790")                        # in two CCCDs: Enter goes on to the next
    first = tab.view.currentIndex().row()
    key(qtbot, Qt.Key.Key_Return)
    assert {first, tab.view.currentIndex().row()} == {0, 1} or {first, tab.view.currentIndex().row()} == {1, 2}
    key(qtbot, Qt.Key.Key_Escape)
    assert not tab.find.isVisible() and QApplication.focusWidget() is tab.view


def test_the_units_zone_fills_new_rows(window, qtbot):
    editor = window.open_draft(new_600(window))
    combo = editor.findChild(QComboBox, "default-zone")
    combo.setFocus()
    key(qtbot, Qt.Key.Key_Down)                      # (not chosen) → Vùng I → Vùng II
    key(qtbot, Qt.Key.Key_Down)
    assert combo.currentData() == "02"
    assert rows(window, editor)[0] == {"maVungLTT": "02"}          # the new list's empty row takes it
    qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    assert rows(window, editor)[1] == {"maVungLTT": "02"}
    # the next dossier of the unit starts with it
    again = window.open_draft(new_600(window))
    assert rows(window, again)[0] == {"maVungLTT": "02"}
    assert again.findChild(QComboBox, "default-zone").currentData() == "02"


def test_a_tk1ts_row_starts_from_the_d02ts_person_who_needs_one(window, qtbot):
    editor = window.open_draft(new_600(window))
    person = {"pa": "TM", "Hoten": "Trần Văn Minh", "Ngaysinh": "01/01/1995", "Gioitinh": "1",
              "Cmnd": "079095000123"}
    for name, text in person.items():
        editor.edit_cell("D02-TS", 0, name, text)
    editor.add_row("D02-TS", 1)
    for name, text in {"pa": "DC", "Hoten": "Lê Thị Hoa", "Masobhxh": "0123456789"}.items():
        editor.edit_cell("D02-TS", 1, name, text)     # has a number: needs no declaration
    editor.tabs.setCurrentWidget(editor.form_tabs["TK1-TS"])
    qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    declared = rows(window, editor, "TK1-TS")
    assert declared == [{"HoTen": "Trần Văn Minh", "NgaySinh": "01/01/1995", "GioiTinh": "1",
                         "CMND": "079095000123"}]
    qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    assert rows(window, editor, "TK1-TS")[1] == {}                  # everyone who needs one has one


def test_tab_steps_over_a_retired_column(window, qtbot):
    """The district columns stay in the file layout but are no longer filled (since 1/7/2025): Tab goes
    from the province straight to the commune, so the next keys are not typed into a dead cell."""
    editor = window.open_draft(new_600(window))
    editor.tabs.setCurrentWidget(editor.form_tabs["TK1-TS"])
    qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    tab = editor.form_tabs["TK1-TS"]
    district = tab.model.index(0, tab.model.column_of("Mahuyen_KS"))
    assert not district.flags() & Qt.ItemFlag.ItemIsEditable
    tab.view.setFocus()
    tab.view.setCurrentIndex(editor.cell_index("TK1-TS", 0, "Matinh_KS"))
    type_text(qtbot, "79")
    key(qtbot, Qt.Key.Key_Tab)
    assert tab.view.currentIndex() == editor.cell_index("TK1-TS", 0, "Maxa_KS")
    type_text(qtbot, "sai gon")
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, Qt.Key.Key_Escape)
    key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert tab.view.currentIndex() == editor.cell_index("TK1-TS", 0, "Matinh_KS")
    row = rows(window, editor, "TK1-TS")[0]
    assert row["Matinh_KS"] == "79" and row["Maxa_KS"] == "26740" and "Mahuyen_KS" not in row
