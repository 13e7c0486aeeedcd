"""A readable receipt and result, from test mode's real sandbox and demo token: the window signs and files
two D02-TS dossiers, the sandbox approves one and refuses the other (a mã số BHXH it "does not know"), and
the list, the status bar and the receipt window then say the same: "Đã duyệt", "Bị từ chối: …" with the
reason, times in Vietnam's time; the signed XML is one button away. Also the print preview and the unit's
employees, which need no gateway."""

from __future__ import annotations

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from bhxh_desk.app.store.outbox import Outbox
from bhxh_desk.app.workflow import State
from tests.test_gui import desktop  # noqa: F401  (the fixture: test mode with its sandbox and token)
from tests.test_gui_typing import new_600


def _dossier(window, number: str) -> int:
    from bhxh_desk.forms.draft import Draft, Unit

    u = next(u for u in window.store.units() if u.code == window.test.demo.unit)
    period = f"{datetime.now().month:02d}/{datetime.now().year}"
    row = {"pa": "DC", "Hoten": "Phạm Quốc Huy", "Masobhxh": number, "Ngaysinh": "12/05/1988", "Gioitinh": "1",
           "chucVu": "Kỹ sư", "tienLuong": "15000000", "tuThang": period, "maVungLTT": "01"}
    return window.store.create_draft(Draft(procedure="600", period=period, unit=Unit(
        code=u.code, name=u.name, tax_code=u.tax_code, agency_code=u.agency_code, signer=u.signer, phone=u.phone),
        forms={"D02-TS": [row], "TK1-TS": [], "D01-TS": []}))


def test_the_result_reads_approved_or_refused_in_vietnams_time(desktop, qtbot):  # noqa: F811
    from bhxh_desk.app.ui.dialogs import DocumentDialog

    _, window = desktop
    good, bad = _dossier(window, "0123456789"), _dossier(window, "9912345678")
    window.refresh_units()
    for draft_id in (good, bad):
        window.open_draft(draft_id)
        qtbot.waitUntil(lambda d=draft_id: window.store.draft_info(d).state is State.VALID, timeout=20_000)
    window.refresh_dossiers()
    window.dossiers.selectAll()
    dialog = window.sign_selected()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.cert_box.count() == 1, timeout=30_000)
    qtbot.keyClicks(dialog.pin, window.test.pin)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(window.store.draft_info(d).state is State.SIGNED for d in (good, bad)),
                    timeout=60_000)
    qtbot.waitUntil(lambda: all(window.editors.widget(i).state_label.text() == "Đã ký"      # when it is done
                                for i in range(window.editors.count())), timeout=10_000)
    window.dossiers.selectAll()
    window.submit_selected()
    qtbot.waitUntil(lambda: all(window.store.draft_info(d).state is State.RECEIVED for d in (good, bad)),
                    timeout=60_000)
    qtbot.waitUntil(lambda: "đã nhận 2/2" in window.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(lambda: all(window.editors.widget(i).state_label.text() == "Đã tiếp nhận"
                                for i in range(window.editors.count())), timeout=10_000)

    def settled() -> bool:
        window.sync()
        window.runner.wait(10_000)
        return {window.store.draft_info(d).state for d in (good, bad)} == {State.RESULT, State.REJECTED}

    qtbot.waitUntil(settled, timeout=60_000)
    window.refresh_dossiers()
    texts = {info.id: window.dossiers_model.data(window.dossiers_model.index(row, 3))
             for row, (info, *_r) in enumerate(window.dossiers_model.items)}
    assert texts[good] == "Đã duyệt"
    assert texts[bad].startswith("Bị từ chối: ") and "9912345678" in texts[bad]
    status = window.status_label.text()
    assert "Đã duyệt 1" in status and "Bị từ chối 1" in status and "Đã nộp" not in status
    assert "Đã nộp 1/1" not in window.statusBar().currentMessage()
    editor = window.open_draft(bad)                 # an open filed dossier is locked
    assert editor.read_only and editor.state_label.text().startswith("Bị từ chối")

    window.dossiers.clearSelection()
    view = window.show_result([bad])
    qtbot.addWidget(view)
    sub = next(s for s in Outbox(window.store).all() if s.draft_id == bad)
    assert "Bị từ chối:" in view.headline.text() and "9912345678" in view.reasons.text()
    received = datetime.fromisoformat(sub.received_at).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert received.strftime("%d/%m/%Y %H:%M") in view.details.text()
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", view.details.text())
    assert "T" not in re.findall(r"\d\d/\d\d/\d{4}.\d\d:\d\d", view.details.text())[0]
    view = window.show_result([good])
    qtbot.addWidget(view)
    assert "Đã duyệt" in view.headline.text() and "đã xác minh" in view.details.text()
    qtbot.mouseClick(view.xml_button, Qt.MouseButton.LeftButton)
    xml = [d for d in view.findChildren(DocumentDialog) if d.isVisible()]
    assert xml and xml[0].data.startswith(b"<?xml") and b"<KetQua>" in xml[0].data


def _with_a_row(window) -> int:
    draft_id = new_600(window)
    window.store.set_row(draft_id, "D02-TS", 0, {"pa": "TM", "Hoten": "Trần Văn Minh", "Masobhxh": "0079000001"})
    return draft_id


def test_print_preview_shows_the_pages_and_says_when_no_printer_is_installed(offline, qtbot, monkeypatch):
    from bhxh_desk.app.ui import print_preview

    window = offline
    window.open_draft(_with_a_row(window))
    monkeypatch.setattr(print_preview, "printers", lambda: [])
    window.findChild(type(window.actions_by_name["print-now"]), "print-now").trigger()
    qtbot.waitUntil(lambda: getattr(window, "last_preview", None) is not None, timeout=30_000)
    preview = window.last_preview
    qtbot.addWidget(preview)
    assert preview.isVisible() and len(preview.pages) >= 1 and not preview.pages[0].isNull()
    assert not preview.print_button.isEnabled() and "Chưa cài máy in" in preview.note.text()


def test_print_preview_prints_every_page_to_a_printer(offline, qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from bhxh_desk.app.ui.print_preview import page_images, print_pdf
    from bhxh_desk.forms.printing import render

    window = offline
    pdf = tmp_path / "in.pdf"
    pages = render(window.store.load_draft(_with_a_row(window)), pdf)
    assert len(page_images(pdf)) == pages
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)        # a printer any machine has: to a file
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(pdf, printer) == pages
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")


def test_an_empty_dossier_says_there_is_nothing_to_print(offline, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    told = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text, *a: told.append(text)))
    window = offline
    new_600(window)
    window.refresh_dossiers()
    window.dossiers.selectRow(0)                 # printed from the list, as the context menu does
    window.print_now()
    qtbot.waitUntil(lambda: bool(told), timeout=30_000)
    assert told == ["Hồ sơ chưa có dòng nào để in."] and getattr(window, "last_preview", None) is None


def test_the_units_employees_screen_searches_and_opens_the_person(offline, qtbot):
    from PySide6.QtTest import QTest

    from bhxh_desk.app.store import register

    window = offline
    draft_id = new_600(window)
    rows = [{"pa": "TM", "Hoten": "Trần Văn Minh", "Masobhxh": "0079000001", "tienLuong": "15000000",
             "chucVu": "Kỹ sư"},
            {"pa": "TM", "Hoten": "Lê Thị Hồng", "Masobhxh": "0079000002", "tienLuong": "9200000",
             "chucVu": "Kế toán"}]
    for i, row in enumerate(rows):
        window.store.set_row(draft_id, "D02-TS", i, row)
    register.remember(window.store, window.store.load_draft(draft_id), draft_id)
    window.refresh_units()
    window.units.setCurrentRow(1)
    view = window.show_register()
    qtbot.addWidget(view)
    assert view.table.rowCount() == 2
    QTest.keyClicks(view.search, "hong", delay=40)              # accents ignored
    assert view.table.rowCount() == 1 and view.table.item(0, 0).text() == "Lê Thị Hồng"
    assert "9.200.000" in [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    QTest.keyClick(view.search, Qt.Key.Key_Return)
    assert window.current_editor().draft_id == draft_id


def test_a_signed_dossier_is_not_warned_about_its_own_people(offline, qtbot):
    from bhxh_desk.app.store import register

    window = offline
    draft_id = new_600(window)
    window.store.set_row(draft_id, "D02-TS", 0, {"pa": "TM", "Hoten": "Trần Văn Minh", "Masobhxh": "0079000001"})
    register.remember(window.store, window.store.load_draft(draft_id), draft_id)       # as signing does
    own = register.check(window.store, window.store.load_draft(draft_id), draft_id)
    assert not [i for i in own if i.code == "register.already_declared"]
    other = new_600(window)
    window.store.set_row(other, "D02-TS", 0, {"pa": "TM", "Hoten": "Trần Văn Minh", "Masobhxh": "0079000001"})
    again = register.check(window.store, window.store.load_draft(other), other)
    assert [i.code for i in again] == ["register.already_declared"]
