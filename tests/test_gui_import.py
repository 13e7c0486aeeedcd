"""Excel import in the window: the preview (app/ui/import_dialog.py) maps the file's columns to the form's fields,
shows every conversion and refused cell, and applies nothing before the clerk clicks; driven with real clicks and
keys (pytest-qt) over real .xlsx files."""

from __future__ import annotations

import zipfile

import pytest

pytest.importorskip("pytestqt")
from openpyxl import Workbook
from openpyxl.styles import Font
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QPushButton

from tests.test_excel import cached


def new_600(window) -> int:
    from bhxh_desk.forms.draft import Draft, Unit

    return window.store.create_draft(Draft(procedure="600", period="03/2026", unit=Unit(
        code="TA1234A", name="Hoa Sen", tax_code="0312345678", agency_code="07906", signer="Lan"),
        forms={"D02-TS": [], "TK1-TS": [], "D01-TS": []}))


def clerk_sheet(path, formula_cached=True):
    """What a clerk's HR sheet looks like: a title, variant headers, a TCVN3 name, a CCCD that Excel turned into a
    number (its leading zero lost), a date serial, a salary by formula, and a column the form has no field for."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Nhân sự"
    ws.append(["DANH SÁCH LAO ĐỘNG THAM GIA BHXH"])
    ws.append(["STT", "Phương án", "Họ tên", "Số CCCD", "Ngày sinh", "Giới tính", "Chức vụ", "Tiền lương",
               "Từ tháng", "Vùng lương", "Số tài khoản"])
    ws.append([1, "TM", "NguyÔn V¨n An", 79095001234, 34804, "1", "Kỹ sư", "=5000000*3", "03/2026", "01",
               "0451000123"])
    ws.append([2, "TM", "TrÇn ThÞ B×nh", "001098000002", "02/11/1998", "0", "Kế toán", 9200000, "03/2026", "01",
               None])
    ws["C3"].font = Font(name=".VnTime")
    wb.save(path)
    if formula_cached:
        cached(path, {"H3": ("n", "15000000")})
    return path


def stored(window, editor) -> list[dict]:
    """The D02-TS rows the store holds, without the empty row a new dossier opens with."""
    return [r for r in window.store.load_draft(editor.draft_id).forms.get("D02-TS", []) if r]


def open_preview(window, path):
    window.runner.synchronous = True
    dialog = window.import_excel(str(path))
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_preview_maps_variant_headers_and_shows_every_conversion_before_applying(offline, qtbot, tmp_path):
    window = offline
    editor = window.open_draft(new_600(window))
    dialog = open_preview(window, clerk_sheet(tmp_path / "hr.xlsx"))
    mapped = {dialog.columns.item(r, 1).text(): dialog.columns.cellWidget(r, 2).currentData()
              for r in range(dialog.columns.rowCount())}
    assert mapped["Số CCCD"] == "Cmnd" and mapped["Chức vụ"] == "chucVu" and mapped["Tiền lương"] == "tienLuong"
    assert mapped["Họ tên"] == "Hoten" and mapped["STT"] is None and mapped["Số tài khoản"] is None
    shown = [dialog.conversions.item(i).text() for i in range(dialog.conversions.count())]
    assert any("bảng mã cũ" in s and "Nguyễn Văn An" in s for s in shown)
    assert any("khôi phục" in s and "079095001234" in s for s in shown)
    assert any("15/04/1995" in s for s in shown) and any("=5000000*3" in s for s in shown)
    unused = [dialog.unused.item(i).text() for i in range(dialog.unused.count())]
    assert len(unused) == 2 and any('"Số tài khoản"' in s for s in unused)
    assert "2 dòng" in dialog.summary.text()
    before = window.store.load_draft(editor.draft_id).forms.get("D02-TS", [])
    assert stored(window, editor) == []      # nothing applied yet
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    rows = window.store.load_draft(editor.draft_id).forms["D02-TS"]
    assert [r["Hoten"] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình"]      # in place of the empty row
    assert rows[0]["Cmnd"] == "079095001234" and rows[0]["Ngaysinh"] == "15/04/1995"
    assert rows[0]["tienLuong"] == "15000000" and rows[1]["Cmnd"] == "001098000002"
    assert not dialog.isVisible() and "khôi phục" in window.last_import_report
    editor.undo.undo()                                        # one undo step takes the whole import back
    assert window.store.load_draft(editor.draft_id).forms.get("D02-TS", []) == before


def test_a_refused_cell_is_shown_and_nothing_can_be_applied(offline, qtbot, tmp_path):
    window = offline
    editor = window.open_draft(new_600(window))
    dialog = open_preview(window, clerk_sheet(tmp_path / "hr.xlsx", formula_cached=False))
    refused = [dialog.refused.item(i).text() for i in range(dialog.refused.count())]
    assert len(refused) == 1 and "H3" in refused[0] and "=5000000*3" in refused[0]
    assert dialog.tabs.currentWidget() is dialog.refused and "không nhập dòng nào" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert stored(window, editor) == []


def test_an_unused_column_is_mapped_by_hand_in_the_preview(offline, qtbot, tmp_path):
    window = offline
    editor = window.open_draft(new_600(window))
    dialog = open_preview(window, clerk_sheet(tmp_path / "hr.xlsx"))
    combo = dialog.findChild(QComboBox, "map-K")
    assert combo.currentData() is None
    combo.setFocus()
    qtbot.keyClicks(combo, "Ghi", delay=40)           # a closed combo box finds an entry as it is typed
    combo = dialog.findChild(QComboBox, "map-K")      # the preview was read again with the column mapped
    assert combo.currentData() == "ghiChu"
    assert dialog.unused.count() == 1
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert stored(window, editor)[0]["ghiChu"] == "0451000123"


def test_cancel_applies_nothing(offline, qtbot, tmp_path):
    window = offline
    editor = window.open_draft(new_600(window))
    dialog = open_preview(window, clerk_sheet(tmp_path / "hr.xlsx"))
    qtbot.mouseClick(dialog.findChild(QPushButton, "import-cancel"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert stored(window, editor) == []


def test_the_toolbar_action_opens_the_preview(offline, qtbot, tmp_path, monkeypatch):
    """The action as a click triggers it (it passes checked=False): the file chosen, the preview opens."""
    window = offline
    window.open_draft(new_600(window))
    path = clerk_sheet(tmp_path / "hr.xlsx")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.runner.synchronous = True
    window.actions_by_name["import-excel"].trigger()
    assert window.import_dialog.isVisible() and window.import_dialog.result.rows


def test_a_file_that_is_not_excel_is_told_in_the_preview(offline, qtbot, tmp_path):
    window = offline
    window.open_draft(new_600(window))
    junk = tmp_path / "x.xlsx"
    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    dialog = open_preview(window, junk)
    assert "x.xlsx" in dialog.summary.text() and not dialog.apply_button.isEnabled()


def test_enter_imports_from_the_keyboard(offline, qtbot, tmp_path):
    window = offline
    editor = window.open_draft(new_600(window))
    dialog = open_preview(window, clerk_sheet(tmp_path / "hr.xlsx"))
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert not dialog.isVisible() and len(stored(window, editor)) == 2
