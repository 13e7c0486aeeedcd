"""The OTP dialog as a person uses it, against test mode's real sandbox: Enter confirms the typed code
(it never sends another SMS), "Gửi lại mã" counts down, a wrong code says why and the dossier can be
confirmed again at once, and the right code files it."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from bhxh_desk.app.store.outbox import Outbox
from bhxh_desk.app.workflow import State
from tests.conftest import ROOT
from tests.test_gui import desktop  # noqa: F401  (the fixture: test mode with its sandbox)


def _person_dossier(window, qtbot) -> int:
    """The example individual's dossier, stored, opened and checked Valid."""
    from bhxh_desk.forms.draft import read_draft

    draft_id = window.store.create_draft(read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"))
    window.refresh_units()
    window.open_draft(draft_id)
    qtbot.waitUntil(lambda: window.store.draft_info(draft_id).state is State.VALID, timeout=10_000)
    return draft_id


def _code(dialog) -> str:
    return dialog.sms.text().split("cua ban la ")[1][:6]


def test_enter_confirms_a_wrong_code_is_explained_and_the_right_one_files(desktop, qtbot, monkeypatch):  # noqa: F811
    from bhxh_desk.app.ui.otp_dialog import OtpDialog
    _, window = desktop
    monkeypatch.setattr(OtpDialog, "RESEND_AFTER", 3)
    draft_id = _person_dossier(window, qtbot)
    dialog = window.otp_selected()
    qtbot.addWidget(dialog)
    assert not dialog.confirm.isEnabled()
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sms.isVisible(), timeout=30_000)
    assert not dialog.send.isEnabled() and "giây" in dialog.send.text()          # the countdown
    sent = len(window.test.sms(window.store.load_draft(draft_id).unit.code))
    code = _code(dialog)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    qtbot.keyClicks(dialog.code, wrong, delay=40)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)                       # Enter: confirm, not "send again"
    qtbot.waitUntil(lambda: "không đúng" in dialog.status.text(), timeout=30_000)
    assert len(window.test.sms(window.store.load_draft(draft_id).unit.code)) == sent      # no new SMS
    assert window.store.draft_info(draft_id).state is State.VALID                          # confirmable again
    assert dialog.send.isEnabled() and dialog.send.text() == "Gửi lại mã"
    assert "Traceback" not in dialog.status.text()
    (refused,) = Outbox(window.store).all()
    assert refused.state is State.REJECTED                               # kept, never sent again

    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)             # ask for a new code
    qtbot.waitUntil(lambda: dialog.sms.isVisible() and _code(dialog) != code, timeout=30_000)
    dialog.code.selectAll()
    qtbot.keyClicks(dialog.code, _code(dialog), delay=40)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.store.draft_info(draft_id).state is State.RECEIVED, timeout=60_000)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)        # the worker's answer arrives after
    first, second = Outbox(window.store).all()
    assert first.state is State.REJECTED and second.state is State.RECEIVED
    assert second.idempotency_key != first.idempotency_key
    assert second.so_ho_so in window.statusBar().currentMessage()


def test_the_countdown_lets_a_new_code_be_asked_for(desktop, qtbot, monkeypatch):  # noqa: F811
    from bhxh_desk.app.ui.otp_dialog import OtpDialog
    _, window = desktop
    monkeypatch.setattr(OtpDialog, "RESEND_AFTER", 2)
    _person_dossier(window, qtbot)
    dialog = window.otp_selected()
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sms.isVisible(), timeout=30_000)
    assert not dialog.send.isEnabled()
    qtbot.waitUntil(lambda: dialog.send.isEnabled(), timeout=5_000)
    assert dialog.send.text() == "Gửi lại mã"
    qtbot.keyClicks(dialog.code, "12")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)                       # too short: said, nothing sent
    assert "6 chữ số" in dialog.status.text()
    assert Outbox(window.store).all() == []


def test_a_code_asked_before_the_dialog_was_opened_is_taken_with_enter(desktop, qtbot):  # noqa: F811
    _, window = desktop
    draft_id = _person_dossier(window, qtbot)
    first = window.otp_selected()
    qtbot.addWidget(first)
    qtbot.mouseClick(first.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.sms.isVisible(), timeout=30_000)
    code = _code(first)
    first.reject()                                   # closed before typing the code
    again = window.otp_selected()
    qtbot.addWidget(again)
    assert again.confirm.isEnabled() and "Gửi lại mã" in again.send.text()
    sent = len(window.test.sms(window.store.load_draft(draft_id).unit.code))
    qtbot.keyClicks(again.code, code, delay=40)
    qtbot.keyClick(again.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.store.draft_info(draft_id).state is State.RECEIVED, timeout=60_000)
    assert len(window.test.sms(window.store.load_draft(draft_id).unit.code)) == sent
