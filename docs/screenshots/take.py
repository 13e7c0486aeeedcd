"""Takes the README's screenshots of the real window: run ``bash docs/screenshots/take.sh`` (Xvfb).

It starts the app in test mode in a throwaway folder, opens the example 600 dossier with one mistake in
it, and saves the main window, the editor showing the error, and the signing dialog."""

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
    window.resize(1366, 820)
    deadline = time.time() + 120
    while window.test is None and time.time() < deadline:
        app.qt.processEvents()
        time.sleep(0.05)
    example = json.loads((ROOT / "docs" / "examples" / "600-bao-tang-giam.json").read_text(encoding="utf-8"))
    example["unit"].update(code=window.test.demo.unit, name="CÔNG TY TNHH DEMO HOA SEN", tax_code="0312345678")
    example["forms"]["D02-TS"][2]["Masobhxh"] = "012345678"          # one digit short: the error to show
    draft_id = window.store.create_draft(draft_from_dict(example))
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
    dialog.close()
    app.close()
    print("\n".join(str(OUT / n) for n in ("main-window.png", "editor-error.png", "signing-dialog.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
