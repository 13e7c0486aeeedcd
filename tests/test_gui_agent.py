"""An agent signs for a client from the window: the tax code of its certificate differs from the client's,
it gives the reason in the signing dialog, and the audit records it exactly as `sign --override-tax-code`
does (both go through app.actions.signing)."""

from __future__ import annotations

import socket

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from bhxh_desk.app.actions.checking import record_check
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.draft import draft_from_dict
from tests.conftest import minimal_dict

REASON = "Đại lý ký thay theo hợp đồng dịch vụ 12/2026"


@pytest.fixture
def desktop(qtbot, tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("BHXH_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BHXH_DESK_SANDBOX_PORT", str(port))
    monkeypatch.delenv("SOFTHSM2_CONF", raising=False)
    from bhxh_desk.app.ui.qt_app import Application

    app = Application(["bhxh-desk"])
    window = app.build()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.test is not None, timeout=90_000)
    yield window
    window.runner.wait(30_000)
    app.close()


def test_an_agent_signs_for_a_client_with_a_reason_that_is_audited(desktop, qtbot):
    window = desktop
    d = minimal_dict()
    d["unit"].update(code="TB5555B", name="Công ty Khách Hàng", tax_code="0399999999")
    draft_id = window.store.create_draft(draft_from_dict(d))
    assert record_check(window.store, draft_id, 0) is State.VALID
    window.refresh_dossiers()
    window.selected_drafts = lambda: [draft_id]          # as if the clerk had selected it in the list

    dialog = window.sign_selected()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.cert_box.count() == 1, timeout=30_000)
    qtbot.keyClicks(dialog.pin, window.test.pin)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)        # no reason: refused, no PIN used
    qtbot.waitUntil(lambda: dialog.sign_button.isEnabled(), timeout=30_000)
    assert "0399999999" in dialog.status.text() and window.store.draft_info(draft_id).state is State.VALID
    assert not [a for a in window.store.audit() if a.action == "tax-code-override"]

    qtbot.keyClicks(dialog.pin, window.test.pin)
    event = QInputMethodEvent()         # Vietnamese arrives from an input method (Unikey, ibus) as committed text
    event.setCommitString(REASON)
    QApplication.sendEvent(dialog.override, event)
    assert dialog.override.text() == REASON
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.store.draft_info(draft_id).state is State.SIGNED, timeout=60_000)
    (entry,) = [a for a in window.store.audit() if a.action == "tax-code-override"]
    assert entry.draft_id == draft_id
    assert entry.detail.startswith("unit TB5555B MST 0399999999; certificate ")
    assert entry.detail.endswith(f"; reason: {REASON}")
