"""States the clerk can trust, in the window, with real key and mouse events: a signed, queued or filed
dossier opens read-only under a banner that says why; typing into a signed one asks first and says it must
be signed again; a filed one offers "copy into a new dossier"; the dossier list's context menu; Ctrl+N with
the unit already chosen and a grouped, searchable procedure list; Enter makes the dossier."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from bhxh_desk.app.workflow import State
from tests.conftest import ROOT
from tests.test_gui_typing import new_600


class Questions:
    """QMessageBox.question answered by the test, each question kept."""

    def __init__(self, monkeypatch, answer=QMessageBox.StandardButton.No) -> None:
        self.asked: list[str] = []
        self.answer = answer
        self.warned: list[str] = []
        monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda parent, title, text, *a, **k:
                                                                  self._ask(text)))
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k:
                                                                 self.warned.append(text)))

    def _ask(self, text: str):
        self.asked.append(text)
        return self.answer


def _signed_600(window) -> int:
    draft_id = new_600(window)
    window.store.set_row(draft_id, "D02-TS", 0, {"pa": "TM", "Hoten": "Trần Văn Minh", "Masobhxh": "0079000001"})
    window.store.set_signed(draft_id, b"<signed/>", "test")
    return draft_id


def _filed(window, draft_id: int, state: State = State.RECEIVED):
    from bhxh_desk.app.actions import gateway
    from bhxh_desk.app.gateway.protocol import Receipt
    from bhxh_desk.app.store.outbox import Outbox

    (sub,) = gateway.queue(window.store, gateway.from_store(window.store, [draft_id]), gateway="http://127.0.0.1:9",
                           account=None)
    outbox = Outbox(window.store)
    outbox.attempt(sub.id)
    return outbox.received(sub.id, Receipt("00042/2026/07906", "2026-12-02T01:30:00+00:00", 200, sub.digest,
                                           sub.idempotency_key))


def _type_in_grid(qtbot, editor, text: str) -> None:
    tab = editor.form_tabs["D02-TS"]
    tab.view.setFocus()
    tab.view.setCurrentIndex(editor.cell_index("D02-TS", 0, "Hoten"))
    for ch in text:
        QTest.keyClick(QApplication.focusWidget(), ch)
        qtbot.wait(40)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.wait(100)


def test_a_signed_dossier_opens_read_only_and_asks_before_a_change(window, qtbot, monkeypatch):
    questions = Questions(monkeypatch)
    draft_id = _signed_600(window)
    window.refresh_dossiers()
    editor = window.open_draft(draft_id)
    assert editor.read_only and editor.lock_banner.isVisible()
    assert "Hồ sơ đã ký" in editor.lock_banner.text.text() and "ký lại" in editor.lock_banner.text.text()
    assert editor.state_label.text() == "Đã ký"
    _type_in_grid(qtbot, editor, "Lan")                  # typing into the locked grid asks
    assert questions.asked and "phải ký lại" in questions.asked[0]
    asked = len(questions.asked)
    editor.add_row("D02-TS", 1)                          # the row button's path too
    assert len(questions.asked) == asked + 1
    assert window.store.draft_info(draft_id).state is State.SIGNED        # "No": nothing changed
    assert window.store.signed_file(draft_id) == b"<signed/>"
    assert window.store.load_draft(draft_id).forms["D02-TS"][0]["Hoten"] == "Trần Văn Minh"

    questions.answer = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(editor.lock_banner.edit, Qt.MouseButton.LeftButton)   # "Sửa hồ sơ…"
    assert not editor.read_only and not editor.lock_banner.isVisible()
    editor.edit_cell("D02-TS", 0, "Hoten", "Trần Văn Minh Anh")
    assert window.store.draft_info(draft_id).state is State.DRAFT          # the signature is gone, as said
    assert window.store.signed_file(draft_id) is None
    assert editor.state_label.text() == "Nháp"


def test_a_filed_dossier_is_read_only_and_copied_into_a_new_one(window, qtbot, monkeypatch):
    questions = Questions(monkeypatch, QMessageBox.StandardButton.Yes)
    draft_id = _signed_600(window)
    _filed(window, draft_id)
    window.refresh_dossiers()
    editor = window.open_draft(draft_id)
    assert editor.read_only and not editor.lock_banner.edit.isVisible()
    assert "sao chép thành hồ sơ mới" in editor.lock_banner.text.text()
    editor.edit_cell("D02-TS", 0, "Hoten", "X")        # offered the copy instead, and the answer is yes
    assert "Sao chép thành hồ sơ mới" in questions.asked[0]
    copy = window.current_editor()
    assert copy.draft_id != draft_id and not copy.read_only
    assert window.store.draft_info(copy.draft_id).state is State.DRAFT
    assert window.store.load_draft(copy.draft_id).forms["D02-TS"] == window.store.load_draft(draft_id).forms["D02-TS"]
    assert window.store.draft_info(draft_id).state is State.RECEIVED       # the original keeps its receipt
    qtbot.mouseClick(editor.lock_banner.copy, Qt.MouseButton.LeftButton)
    assert len(window.store.drafts()) == 3


def test_the_dossier_lists_menu_copies_exports_and_never_deletes_a_filed_one(window, qtbot, monkeypatch, tmp_path):
    questions = Questions(monkeypatch, QMessageBox.StandardButton.Yes)
    filed = _signed_600(window)
    _filed(window, filed)
    draft = new_600(window)
    window.refresh_dossiers()
    window._no_popup = True
    rows = {info.id: n for n, (info, *_r) in enumerate(window.dossiers_model.items)}
    pos = window.dossiers.visualRect(window.dossiers_model.index(rows[filed], 0)).center()
    menu = window.dossier_menu(pos)
    names = [a.objectName() for a in menu.actions()]
    assert names == ["open-dossier", "copy-dossier", "delete-dossier", "export-draft", "print-now", "result"]
    enabled = {a.objectName(): a.isEnabled() for a in menu.actions()}
    assert not enabled["delete-dossier"] and enabled["copy-dossier"] and enabled["result"]
    assert all(not a.shortcut().isEmpty() for a in menu.actions())
    window.delete_selected()                                       # even through the shortcut: refused
    assert filed in [i.id for i in window.store.drafts()]
    assert "không xóa được" in questions.warned[0]
    window.export_selected(str(tmp_path / "filed.json"))
    assert (tmp_path / "filed.json").read_text(encoding="utf-8").count("Trần Văn Minh") == 1

    menu.hide()
    pos = window.dossiers.visualRect(window.dossiers_model.index(rows[draft], 0)).center()
    menu = window.dossier_menu(pos)
    assert {a.objectName(): a.isEnabled() for a in menu.actions()}["delete-dossier"]
    assert not {a.objectName(): a.isEnabled() for a in menu.actions()}["result"]      # never filed
    menu.actions()[2].trigger()
    assert any("Xóa 1 hồ sơ" in q for q in questions.asked)
    assert draft not in [i.id for i in window.store.drafts()]


def test_ctrl_n_chooses_the_only_unit_and_enter_makes_the_dossier(window, qtbot):
    from bhxh_desk.forms.draft import Unit

    window.store.upsert_unit(Unit(code="TA1234A", name="Hoa Sen", tax_code="0312345678", agency_code="07906"))
    window.refresh_units()
    assert window.current_unit() is None                          # "Tất cả đơn vị" is selected
    seen = []

    def answer():
        dialog = window.last_new_dialog
        seen.append((dialog.unit_code(), dialog.procedure_code(), [g.text(0) for g in dialog.groups]))
        QTest.keyClicks(dialog.search, "thai san", delay=40)
        seen.append(dialog.procedure_code())
        QTest.keyClick(dialog.search, Qt.Key.Key_Return)

    QTimer.singleShot(300, answer)
    QTest.keySequence(window, "Ctrl+N")
    qtbot.waitUntil(lambda: window.current_editor() is not None, timeout=5_000)
    assert seen[0][:2] == ("TA1234A", "600")
    assert seen[0][2] == ["Thủ tục của đơn vị", "Thủ tục của cá nhân"]
    assert seen[1] == "630b"
    info = window.store.draft_info(window.current_editor().draft_id)
    assert (info.unit_code, info.procedure) == ("TA1234A", "630b")


def test_ctrl_n_takes_the_selected_unit_of_several(window, qtbot):
    from bhxh_desk.forms.draft import Unit

    for code, name in (("TA1234A", "Hoa Sen"), ("TB0002B", "Sen Vàng")):
        window.store.upsert_unit(Unit(code=code, name=name, tax_code="0312345678", agency_code="07906"))
    window.refresh_units()
    units = [window.units.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.units.count())]
    window.units.setCurrentRow(units.index("TB0002B"))
    QTimer.singleShot(300, lambda: QTest.keyClick(window.last_new_dialog.search, Qt.Key.Key_Return))
    QTest.keySequence(window, "Ctrl+N")
    qtbot.waitUntil(lambda: window.current_editor() is not None, timeout=5_000)
    assert window.store.draft_info(window.current_editor().draft_id).unit_code == "TB0002B"


def test_every_menu_action_shows_its_shortcut(window):
    from PySide6.QtWidgets import QMenu

    for name in ("menu-file", "menu-dossier", "menu-filing", "menu-help"):
        for action in window.findChild(QMenu, name).actions():
            if not action.isSeparator():
                assert not action.shortcut().isEmpty(), action.text()


def test_qts_own_dialogs_speak_vietnamese(window, qtbot):
    """Qt ships no Vietnamese for its dialogs: our qtbase_vi gives the message boxes' buttons, the file
    dialog's labels and a text box's menu their Vietnamese words."""
    from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QPushButton

    buttons = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "bhxh-desk", "?", buttons.Yes | buttons.No | buttons.Cancel, window)
    assert [box.button(b).text().replace("&", "") for b in (buttons.Yes, buttons.No, buttons.Cancel)] == \
        ["Có", "Không", "Hủy"]
    dialog = QFileDialog(window, "Lưu PDF")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    labels = {label.text().replace("&", "") for label in dialog.findChildren(QLabel)}
    assert {"Tên tệp:", "Loại tệp:"} <= labels, labels
    assert "Lưu" in {b.text().replace("&", "") for b in dialog.findChildren(QPushButton)}
    menu = QLineEdit(window).createStandardContextMenu()
    assert "Dán" in [a.text().replace("&", "").split("\t")[0] for a in menu.actions()]


def test_the_compiled_qt_translation_is_current(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import ROOT

    folder = ROOT / "resources" / "translations"
    fresh = tmp_path / "qtbase_vi.qm"
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lrelease"), "-silent", str(folder / "qtbase_vi.ts"),
                    "-qm", str(fresh)], check=True)
    assert fresh.read_bytes() == (folder / "qtbase_vi.qm").read_bytes()


def test_attachments_are_listed_with_kind_and_size_and_removed_by_their_button(window, qtbot, tmp_path):
    from bhxh_desk.app.ui.attachments_view import size_text

    draft_id = new_600(window)
    window.open_draft(draft_id)
    view = window.show_attachments()
    qtbot.addWidget(view)
    scan = tmp_path / "giam-dinh.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n")
    view.kind.setCurrentIndex(view.kind.findData("GDYK"))
    assert view.add_file(str(scan))
    assert view.table.rowCount() == 1
    assert [view.table.item(0, c).text() for c in range(3)] == [
        "giam-dinh.pdf", "Biên bản giám định y khoa (mức suy giảm khả năng lao động)", size_text(scan.stat().st_size)]
    stored = window.store.load_draft(draft_id).attachments
    assert stored[0].content == scan.read_bytes() and stored[0].kind == "GDYK"       # a copy in the store
    scan.unlink()
    assert window.store.load_draft(draft_id).attachments[0].content.startswith(b"%PDF")
    fake = tmp_path / "anh.png"
    fake.write_bytes(b"not a picture")
    assert not view.add_file(str(fake))                         # refused, named, nothing stored
    assert "anh.png" in view.error.text() and view.table.rowCount() == 1
    remove = view.table.cellWidget(0, 3)
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert view.table.rowCount() == 0 and window.store.load_draft(draft_id).attachments == []


def test_a_signed_dossiers_attachments_are_view_only(window, qtbot):
    draft_id = _signed_600(window)
    window.open_draft(draft_id)
    view = window.show_attachments()
    qtbot.addWidget(view)
    assert not view.add.isEnabled()


def test_the_list_shows_times_in_vietnams_time(window):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    draft_id = new_600(window)
    window.refresh_dossiers()
    info = window.store.draft_info(draft_id)
    local = datetime.fromisoformat(info.updated_at).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert window.dossiers_model.data(window.dossiers_model.index(0, 6)) == local.strftime("%d/%m/%Y %H:%M")


def test_attaching_the_paper_a_ground_needs_clears_its_issue_in_the_editor(window, qtbot, tmp_path):
    from bhxh_desk.forms.draft import read_draft

    draft = read_draft(ROOT / "docs" / "examples" / "CN-1LAN-suy-giam-kha-nang-lao-dong.json")
    draft.attachments = []
    draft_id = window.store.create_draft(draft)
    editor = window.open_draft(draft_id)
    qtbot.waitUntil(lambda: any(i.code == "rule.ground_needs_attachment" for i in editor.issues), timeout=20_000)
    view = window.show_attachments()
    qtbot.addWidget(view)
    scan = tmp_path / "bien-ban.pdf"
    scan.write_bytes((ROOT / "docs" / "examples" / "attachments" / "bien-ban-giam-dinh-y-khoa.pdf").read_bytes())
    view.kind.setCurrentIndex(view.kind.findData("GDYK"))
    assert view.add_file(str(scan))
    qtbot.waitUntil(lambda: not any(i.code == "rule.ground_needs_attachment" for i in editor.issues),
                    timeout=20_000)


def test_f6_reaches_the_list_and_delete_there_deletes_a_draft(window, qtbot, monkeypatch):
    questions = Questions(monkeypatch, QMessageBox.StandardButton.Yes)
    keep, gone = new_600(window), new_600(window)
    window.refresh_dossiers()
    editor = window.open_draft(keep)
    editor.form_tabs["D02-TS"].view.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert window.dossiers.hasFocus()
    rows = {info.id: n for n, (info, *_r) in enumerate(window.dossiers_model.items)}
    window.dossiers.selectRow(rows[gone])
    QTest.keyClick(window.dossiers, Qt.Key.Key_Delete)
    assert questions.asked and gone not in [i.id for i in window.store.drafts()]
    assert keep in [i.id for i in window.store.drafts()]
    QTest.keyClick(window.dossiers, Qt.Key.Key_F6)
    assert window.current_editor().form_tabs["D02-TS"].view.hasFocus()


def test_a_refused_dossier_shows_its_reasons_and_offers_its_receipt(window, qtbot, monkeypatch):
    from bhxh_desk.app.gateway.protocol import Reason
    from bhxh_desk.app.store.outbox import Outbox

    Questions(monkeypatch)
    draft_id = _signed_600(window)
    sub = _filed(window, draft_id)
    Outbox(window.store).refused(sub.id, [Reason("gw.unknown_person", "Không có mã số 0079000001",
                                                 "No number 0079000001")], "refused")
    window.refresh_dossiers()
    assert len(window.dossiers_model.items) == 1
    assert window.dossiers_model.data(window.dossiers_model.index(0, 3)) == \
        "Bị từ chối: Không có mã số 0079000001"
    assert "Bị từ chối 1" in window.status_label.text()
    window._no_popup = True
    menu = window.dossier_menu(window.dossiers.visualRect(window.dossiers_model.index(0, 0)).center())
    enabled = {a.objectName(): a.isEnabled() for a in menu.actions()}
    assert enabled["result"] and not enabled["delete-dossier"] and enabled["copy-dossier"]
    editor = window.open_draft(draft_id)
    assert editor.read_only and editor.lock_banner.edit.isVisible()       # a correction: asked first


def test_a_signed_persons_form_asks_only_when_a_field_is_changed_and_shows_the_stored_value(window, qtbot,
                                                                                            monkeypatch):
    from PySide6.QtWidgets import QLineEdit

    questions = Questions(monkeypatch)
    draft_id = new_600(window)
    window.store.set_row(draft_id, "TK1-TS", 0, {"HoTen": "Trần Văn Minh"})
    window.store.set_signed(draft_id, b"<signed/>", "test")
    editor = window.open_draft(draft_id)
    tab = editor.form_tabs["TK1-TS"]
    editor.tabs.setCurrentWidget(tab)
    tab.view.setCurrentIndex(tab.model.index(0, 1))
    field = None

    def shown_field():
        nonlocal field
        field = next((e for e in tab.panel.widget().findChildren(QLineEdit) if e.objectName() == "HoTen"), None)
        return field is not None

    qtbot.waitUntil(shown_field, timeout=5_000)
    assert field.text() == "Trần Văn Minh"
    field.editingFinished.emit()                     # tabbing through a field changes nothing: no question
    assert questions.asked == []
    field.setText("Trần Văn Minh Anh")
    field.editingFinished.emit()
    assert questions.asked and "phải ký lại" in questions.asked[0]
    qtbot.waitUntil(lambda: shown_field() and field.text() == "Trần Văn Minh", timeout=5_000)   # "No": as stored
    assert window.store.draft_info(draft_id).state is State.SIGNED
    assert window.store.load_draft(draft_id).forms["TK1-TS"][0]["HoTen"] == "Trần Văn Minh"
