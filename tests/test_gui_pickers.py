"""Pickers for every code field of 600, as a clerk uses them: real key events into the grid and the form
panel, each field filled once by choosing a label in the list and once by typing a readable value, then
read back from the store. Vietnamese text arrives as an input method commits it (QTest.keyClicks cannot
send it)."""

from __future__ import annotations

import os
import time

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QStyleOptionViewItem, QTableView

from bhxh_desk.app.ui.pickers import ChoiceDialog, CodePicker
from tests.test_gui_typing import KEY_DELAY_MS, new_600


def type_text(qtbot, text: str) -> None:
    """Key by key into whatever has the focus; a Vietnamese letter as the input method commits it."""
    for ch in text:
        widget = QApplication.focusWidget()
        if ch.isascii():
            QTest.keyClick(widget, ch)
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)
        qtbot.wait(KEY_DELAY_MS)


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(QApplication.focusWidget(), k, modifier)
    qtbot.wait(KEY_DELAY_MS)


def picker(qtbot) -> CodePicker:
    widget = QApplication.focusWidget()
    assert isinstance(widget, CodePicker), f"no picker has the focus: {widget!r}"
    return widget


def open_cell(qtbot, view: QTableView, index) -> CodePicker:
    """The cursor to the cell, then F2 as a clerk does."""
    view.window().activateWindow()                 # back from a dialog
    qtbot.waitUntil(lambda: view.window().isActiveWindow(), timeout=2_000)
    view.setFocus()
    view.setCurrentIndex(index)
    key(qtbot, Qt.Key.Key_F2)
    return picker(qtbot)


def choose(qtbot, label: str, typed: str = "") -> None:
    """Open the list (Alt+Down), or type the start of a name, then Down to the label, then Tab."""
    p = picker(qtbot)
    if typed:
        type_text(qtbot, typed)
    else:
        key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert p.list_shown()
    for _ in range(p.popup.count()):
        key(qtbot, Qt.Key.Key_Down)
        if p.popup.currentItem().text().startswith(label + "  ·"):
            break
    assert p.popup.currentItem().text().startswith(label + "  ·"), label
    key(qtbot, Qt.Key.Key_Tab)


def readable(qtbot, text: str) -> None:
    type_text(qtbot, text)
    key(qtbot, Qt.Key.Key_Tab)


def stored(window, editor, form: str) -> list[dict]:
    window.runner.wait(10_000)
    return window.store.load_draft(editor.draft_id).forms[form]


def test_the_list_codes_of_d02ts_by_label_and_by_readable_value(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = editor.form_tabs["D02-TS"]
    assert tab.model.rowCount() == 1                     # a new list's first row
    editor.add_row("D02-TS", 1)
    view = tab.view
    cases = [("pa", "Tăng mới", "TM", "Điều chỉnh mức lương, chức danh", "DC"),
             ("Gioitinh", "Nữ", "0", "Nam", "1"),
             ("maVungLTT", "Vùng II", "02", "Vùng IV", "04")]
    for name, label, _code, text, _other in cases:
        open_cell(qtbot, view, editor.cell_index("D02-TS", 0, name))
        choose(qtbot, label)
        open_cell(qtbot, view, editor.cell_index("D02-TS", 1, name))
        readable(qtbot, text)
    rows = stored(window, editor, "D02-TS")
    for name, _label, code, _text, other in cases:
        assert (rows[0].get(name), rows[1].get(name)) == (code, other), name
    # the cell shows the code with its label; the model keeps the code
    index = editor.cell_index("D02-TS", 0, "Gioitinh")
    assert tab.model.data(index) == "0"
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, index)
    assert option.text == "0 · Nữ"
    # the frozen name columns paint a code the same way (they showed a bare "TM" once scrolled right)
    frozen = view.frozen.itemDelegate()
    pa = editor.cell_index("D02-TS", 0, "pa")
    assert not view.frozen.isColumnHidden(pa.column())
    option = QStyleOptionViewItem()
    frozen.initStyleOption(option, pa)
    assert option.text == "TM · Tăng mới"


def test_a_typed_code_and_a_mouse_click_in_the_list_are_taken_too(window, qtbot):
    editor = window.open_draft(new_600(window))
    view = editor.form_tabs["D02-TS"].view
    view.setFocus()
    view.setCurrentIndex(editor.cell_index("D02-TS", 0, "pa"))
    type_text(qtbot, "TM")                          # typing starts editing, in a picker
    p = picker(qtbot)
    assert p.list_shown() and p.popup.item(0).text().startswith("Tăng mới  ·  TM")
    key(qtbot, Qt.Key.Key_Tab)
    assert view.currentIndex() == editor.cell_index("D02-TS", 0, "Hoten")
    open_cell(qtbot, view, editor.cell_index("D02-TS", 0, "Gioitinh"))
    type_text(qtbot, "n")
    p = picker(qtbot)
    item = next(p.popup.item(i) for i in range(p.popup.count()) if p.popup.item(i).text().startswith("Nữ"))
    qtbot.mouseClick(p.popup.viewport(), Qt.MouseButton.LeftButton, pos=p.popup.visualItemRect(item).center())
    qtbot.wait(50)
    row = stored(window, editor, "D02-TS")[0]
    assert row["pa"] == "TM" and row["Gioitinh"] == "0"


def _tk1_rows(window, qtbot, editor, count: int):
    editor.tabs.setCurrentWidget(editor.form_tabs["TK1-TS"])
    for _ in range(count):
        qtbot.mouseClick(editor.findChild(QPushButton, "add-row"), Qt.MouseButton.LeftButton)
    return editor.form_tabs["TK1-TS"]


def test_the_person_codes_of_tk1ts_by_label_and_by_readable_value(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = _tk1_rows(window, qtbot, editor, 2)
    view = tab.view
    cases = [("QuocTich", "Việt Nam", "VN", "Japan", "JP"),
             ("DanToc", "Tày", "02", "Kinh", "01"),
             ("Matinh_NN", "Thành phố Hồ Chí Minh", "79", "Hà Nội", "01"),
             ("MaTinhBenhVien", "Đồng Nai", "75", "thanh pho hue", "46")]
    for name, label, _code, text, _other in cases:
        open_cell(qtbot, view, editor.cell_index("TK1-TS", 0, name))
        choose(qtbot, label)
        open_cell(qtbot, view, editor.cell_index("TK1-TS", 1, name))
        readable(qtbot, text)
    # a commune: the list is the row's province's; chosen after typing the start of its name, or typed whole
    open_cell(qtbot, view, editor.cell_index("TK1-TS", 0, "Maxa_NN"))
    p = picker(qtbot)
    assert p.parent_code == "79"
    type_text(qtbot, "Phường")
    assert p.popup.count() > 20
    assert all(p.popup.item(i).data(Qt.ItemDataRole.UserRole) in _communes_of("79") for i in range(p.popup.count()))
    for _ in "Phường":
        key(qtbot, Qt.Key.Key_Backspace)
    choose(qtbot, "Phường Sài Gòn", typed="Sài")
    open_cell(qtbot, view, editor.cell_index("TK1-TS", 1, "Maxa_NN"))
    readable(qtbot, "Phường Ba Đình")
    rows = stored(window, editor, "TK1-TS")
    for name, _label, code, _text, other in cases:
        assert (rows[0].get(name), rows[1].get(name)) == (code, other), name
    assert rows[0]["Maxa_NN"] == "26740" and rows[1]["Maxa_NN"] == "00004"


def _communes_of(province: str) -> set[str]:
    from bhxh_desk.forms.catalog import code_list

    return {c for c, e in code_list("communes").entries.items() if e.parent == province}


def test_a_name_several_communes_share_is_asked_about_never_guessed(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = _tk1_rows(window, qtbot, editor, 1)
    asked = []

    def answer() -> None:
        """The clerk, once the question shows: Down to the second commune, Enter."""
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, ChoiceDialog) and w.isVisible()),
                      None)
        if dialog is None or time.monotonic() - dialog.shown_at < 0.5:      # past its type-ahead guard
            return
        timer.stop()
        asked.append([dialog.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.list.count())])
        QTest.keyClick(dialog.list, Qt.Key.Key_Down)
        QTest.keyClick(dialog.list, Qt.Key.Key_Return)

    timer = QTimer(interval=100)
    timer.timeout.connect(answer)
    open_cell(qtbot, tab.view, editor.cell_index("TK1-TS", 0, "Maxa_KS"))      # no province in this row
    timer.start()
    readable(qtbot, "Xã Vĩnh Thanh")
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    qtbot.wait(100)
    assert len(asked[0]) >= 2
    assert stored(window, editor, "TK1-TS")[0]["Maxa_KS"] == asked[0][1]      # the one the clerk chose
    # with the row's province the same name is one commune, and nobody is asked
    editor.edit_cell("TK1-TS", 0, "Matinh_KS", "01")
    open_cell(qtbot, tab.view, editor.cell_index("TK1-TS", 0, "Maxa_KS"))
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    readable(qtbot, "xa vinh thanh")
    qtbot.wait(100)
    assert len(asked) == 1
    assert stored(window, editor, "TK1-TS")[0]["Maxa_KS"] == "00508"


@pytest.fixture
def hospitals(monkeypatch):
    """The bundled hospital list is empty (no public machine-readable copy was found: docs/catalog.md), so
    the hospital picker is driven over a two-entry list made here. Their codes keep the old provinces'
    prefixes: 74 was Bình Dương, now part of Thành phố Hồ Chí Minh (79)."""
    from bhxh_desk.forms import codelookup
    from bhxh_desk.forms.catalog import code_list
    from bhxh_desk.forms.model import CodeEntry, CodeList

    listed = CodeList(name="hospitals", title_vi="Nơi đăng ký KCB ban đầu", title_en="Registered hospital",
                      source="test", complete=False, code_pattern="^[0-9]{5}$", entries={
                          "74001": CodeEntry("74001", "Bệnh viện thử nghiệm Thủ Dầu Một"),
                          "79002": CodeEntry("79002", "Bệnh viện thử nghiệm Chợ Lớn")})
    real = code_list
    monkeypatch.setattr(codelookup, "code_list", lambda name: listed if name == "hospitals" else real(name))
    return listed


def test_hospitals_by_name_or_code_and_never_narrowed_by_the_new_province(window, qtbot, hospitals):
    editor = window.open_draft(new_600(window))
    tab = _tk1_rows(window, qtbot, editor, 3)
    for row in range(3):
        editor.edit_cell("TK1-TS", row, "MaTinhBenhVien", "79")
    open_cell(qtbot, tab.view, editor.cell_index("TK1-TS", 0, "MaBenhVien"))
    p = picker(qtbot)
    key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert {p.popup.item(i).data(Qt.ItemDataRole.UserRole) for i in range(p.popup.count())} == {"74001", "79002"}
    choose(qtbot, "Bệnh viện thử nghiệm Thủ Dầu Một", typed="thu dau")
    open_cell(qtbot, tab.view, editor.cell_index("TK1-TS", 1, "MaBenhVien"))
    readable(qtbot, "Bệnh viện thử nghiệm Chợ Lớn")
    open_cell(qtbot, tab.view, editor.cell_index("TK1-TS", 2, "MaBenhVien"))
    readable(qtbot, "79024")                  # a code the incomplete list does not hold yet: kept as typed
    rows = stored(window, editor, "TK1-TS")
    assert [r["MaBenhVien"] for r in rows] == ["74001", "79002", "79024"]


def test_relationship_in_the_household_table_and_gender_in_the_form_panel(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = _tk1_rows(window, qtbot, editor, 1)
    tab.view.setCurrentIndex(tab.model.index(0, 1))
    panel = tab.panel
    for _ in range(2):
        qtbot.mouseClick(next(b for b in panel.findChildren(QPushButton) if b.isVisible()),
                         Qt.MouseButton.LeftButton)
    members = next(m for m in panel.nested_models if m.column_of("MoiQuanHe"))
    assert len(members.rows) == 2
    view = next(v for v in panel.findChildren(QTableView) if v.model() is members)
    open_cell(qtbot, view, members.index(0, members.column_of("MoiQuanHe")))
    choose(qtbot, "Con")
    open_cell(qtbot, view, members.index(1, members.column_of("MoiQuanHe")))
    readable(qtbot, "Vợ")
    # the person's own gender, in the form panel's picker; Tab goes on to the next field
    gender = panel.findChild(QLineEdit, "GioiTinh")
    assert isinstance(gender, CodePicker)
    gender.setFocus()
    type_text(qtbot, "Nữ")
    key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.findChild(QLineEdit, "QuocTich")
    type_text(qtbot, "Việt Nam")
    key(qtbot, Qt.Key.Key_Tab)
    row = stored(window, editor, "TK1-TS")[0]
    assert [m.get("MoiQuanHe") for m in row["PhuLuc"]["DSThanhVien"]] == ["03", "01"]
    assert row["GioiTinh"] == "0" and row["QuocTich"] == "VN"


def test_readable_values_pasted_from_excel_become_codes(window, qtbot):
    editor = window.open_draft(new_600(window))
    tab = _tk1_rows(window, qtbot, editor, 1)
    tab.view.setFocus()
    tab.view.setCurrentIndex(editor.cell_index("TK1-TS", 0, "GioiTinh"))
    QGuiApplication.clipboard().setText("Nữ\tViệt Nam\tKinh\n")
    key(qtbot, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    row = stored(window, editor, "TK1-TS")[0]
    assert (row["GioiTinh"], row["QuocTich"], row["DanToc"]) == ("0", "VN", "01")


def test_the_header_tooltip_gives_the_help_and_the_rule(window, qtbot):
    editor = window.open_draft(new_600(window))
    model = editor.form_tabs["TK1-TS"].model
    tip = model.headerData(model.column_of("Maxa_NN"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Quy tắc: Bắt buộc" in tip and "«Xã, phường, đặc khu»" in tip
    assert "Chỉ các mục thuộc «Tỉnh nơi cư trú" in tip or "Chỉ các mục thuộc «" in tip
    born = model.headerData(model.column_of("NgaySinh"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "dd/mm/yyyy" in born
    hospital = model.headerData(model.column_of("MaBenhVien"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "chưa đầy đủ" in hospital


def test_keys_typed_ahead_into_the_question_choose_nothing(window, qtbot):
    """The question opens right after Tab, while the clerk may still be typing: its first keys are dropped."""
    from bhxh_desk.forms.codelookup import resolve

    f = next(x for x in window.catalog.form("TK1-TS").fields if x.name == "Maxa_NN")
    dialog = ChoiceDialog(f, resolve(f, "Xã Vĩnh Thanh"), parent_list="provinces", lang="vi", parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QTest.keyClick(dialog.list, Qt.Key.Key_Down)
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.list.currentRow() == 0
    qtbot.wait(int(ChoiceDialog.TYPE_AHEAD_S * 1000) + 100)
    QTest.keyClick(dialog.list, Qt.Key.Key_Down)
    assert dialog.list.currentRow() == 1
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.code() == dialog.list.item(1).data(Qt.ItemDataRole.UserRole)
