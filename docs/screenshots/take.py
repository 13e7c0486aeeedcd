"""Takes the README's screenshots of the real window: run ``bash docs/screenshots/take.sh`` (Xvfb).

It starts the app in test mode in a throwaway folder, opens the example 600 dossier with one mistake in
it, and saves the main window, the editor showing the error, the signing dialog, then (signed for real
with the demo token and filed to the sandbox) the new-dossier dialog, the locked signed dossier, the
receipt and result, the print preview, the unit's employees, and an individual's OTP dialog after a
wrong code."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="bhxh-shots-"))
    os.environ["BHXH_DESK_HOME"] = str(home)
    os.environ.setdefault("BHXH_DESK_SANDBOX_PORT", "8781")
    from bhxh_desk.app.ui.qt_app import Application
    from bhxh_desk.forms.draft import draft_from_dict

    app = Application(["bhxh-desk"])
    window = app.build()
    window.resize(1366, 768)
    deadline = time.time() + 120
    while window.test is None and time.time() < deadline:
        app.qt.processEvents()
        time.sleep(0.05)
    example = json.loads((ROOT / "docs" / "examples" / "600-bao-tang-giam.json").read_text(encoding="utf-8"))
    example["unit"].update(code=window.test.demo.unit, name="CÔNG TY TNHH DEMO HOA SEN", tax_code="0312345678")
    example["forms"]["D02-TS"][2]["Masobhxh"] = "012345678"          # one digit short: the error to show
    draft_id = window.store.create_draft(draft_from_dict(example, ROOT / "docs" / "examples"))
    window.refresh_units()
    for i in range(window.units.count()):
        if window.units.item(i).text().startswith("CÔNG TY TNHH DEMO"):
            window.units.setCurrentRow(i)
    editor = window.open_draft(draft_id)
    deadline = time.time() + 20
    while not editor.issues and time.time() < deadline:
        app.qt.processEvents()
        time.sleep(0.05)
    issue_row = editor.issue_list.item(0)
    editor.jump_to(issue_row)
    editor.form_tabs["D02-TS"].view.clearSelection()        # let the red error cell show
    for _ in range(20):
        app.qt.processEvents()
        time.sleep(0.02)
    window.grab().save(str(OUT / "main-window.png"))
    editor.grab().save(str(OUT / "editor-error.png"))
    editor.edit_cell("D02-TS", 2, "Masobhxh", "0123456789")
    deadline = time.time() + 20
    while editor.error_count() and time.time() < deadline:
        app.qt.processEvents()
        time.sleep(0.05)
    window.dossiers.selectRow(0)
    dialog = window.sign_selected()
    deadline = time.time() + 30
    while dialog is not None and dialog.cert_box.count() == 0 and time.time() < deadline:
        app.qt.processEvents()
        time.sleep(0.05)
    dialog.pin.setText("••••••")
    for _ in range(10):
        app.qt.processEvents()
        time.sleep(0.02)
    dialog.grab().save(str(OUT / "signing-dialog.png"))
    shots = ["main-window.png", "editor-error.png", "signing-dialog.png"]
    shots += more(app, window, editor, dialog, draft_id)
    app.close()
    print("\n".join(str(OUT / n) for n in shots))
    return 0


def wait(app, until, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        app.qt.processEvents()
        if until():
            return True
        time.sleep(0.05)
    return False


def settle(app, n: int = 20) -> None:
    for _ in range(n):
        app.qt.processEvents()
        time.sleep(0.02)


def more(app, window, editor, dialog, draft_id) -> list[str]:
    """The states a clerk meets after signing: the dossier locked, filed, its result; the printout; the
    register; a refused OTP code."""
    from PySide6.QtCore import QTimer

    from bhxh_desk.app.workflow import State
    from bhxh_desk.forms.draft import read_draft

    dialog.pin.setText(window.test.pin)
    dialog.sign_button.click()
    wait(app, lambda: window.store.draft_info(draft_id).state is State.SIGNED)
    wait(app, lambda: editor.read_only and editor.lock_banner.isVisible(), 10)
    dialog.close()
    settle(app)
    window.grab().save(str(OUT / "locked-signed.png"))

    window.dossiers.selectRow(0)
    window.submit_selected()
    wait(app, lambda: window.store.draft_info(draft_id).state is State.RECEIVED)

    def settled() -> bool:
        window.sync()
        window.runner.wait(10_000)
        return window.store.draft_info(draft_id).state in (State.RESULT, State.REJECTED)

    wait(app, settled, 60)
    window.refresh_dossiers()
    view = window.show_result([draft_id])
    settle(app)
    view.grab().save(str(OUT / "result.png"))
    view.close()
    window.grab().save(str(OUT / "main-window-result.png"))

    window.print_now()
    wait(app, lambda: getattr(window, "last_preview", None) is not None, 60)
    settle(app)
    window.last_preview.grab().save(str(OUT / "print-preview.png"))
    window.last_preview.close()

    register = window.show_register()
    settle(app)
    register.grab().save(str(OUT / "employees.png"))
    register.close()

    def shoot_new() -> None:
        new = window.last_new_dialog
        new.search.setText("thai san")
        settle(app, 5)
        new.grab().save(str(OUT / "new-dossier.png"))
        new.reject()

    QTimer.singleShot(300, shoot_new)
    window.new_dossier()

    person = window.store.create_draft(read_draft(ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json"))
    window.refresh_units()
    window.open_draft(person)
    wait(app, lambda: window.store.draft_info(person).state is State.VALID, 20)
    window.dossiers.clearSelection()
    otp = window.otp_selected()
    otp.send.click()
    wait(app, lambda: otp.sms.isVisible(), 30)
    code = otp.sms.text().split("cua ban la ")[1][:6]
    otp.code.setText(f"{(int(code) + 1) % 10**6:06d}")
    otp.confirm.click()
    wait(app, lambda: "không đúng" in otp.status.text(), 30)
    settle(app)
    otp.grab().save(str(OUT / "otp-refused.png"))
    otp.close()
    return ["locked-signed.png", "result.png", "main-window-result.png", "print-preview.png", "employees.png",
            "new-dossier.png", "otp-refused.png"]


if __name__ == "__main__":
    sys.exit(main())
