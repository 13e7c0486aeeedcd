"""Typing and scrolling in a 10,000-row dossier (offscreen): how long one edit keeps the UI thread, and the
longest the event loop waited while edits, autosave, background validation and scrolling went on."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.data import write_draft
from tests.qtprobe import EventLoopProbe


def measure(rows: int = 10_000, edits: int = 30) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="bhxh-bench-editor-"))
    (home / "config").mkdir()
    (home / "config" / "settings.json").write_text(json.dumps({"test_mode": False}))
    os.environ["BHXH_DESK_HOME"] = str(home)
    from PySide6.QtCore import QTimer, qInstallMessageHandler

    qInstallMessageHandler(lambda *_: None)            # the offscreen plugin's chatter is not a figure

    from bhxh_desk.app.ui.qt_app import Application
    from bhxh_desk.forms.draft import read_draft

    app = Application(["bhxh-desk"])
    window = app.build()
    draft_id = window.store.create_draft(read_draft(write_draft(home / "d.json", rows)))
    editor = window.open_draft(draft_id)
    tab = editor.form_tabs["D02-TS"]
    edit_times: list[float] = []
    probe = EventLoopProbe()
    probe.start()
    step = [0]

    def edit() -> None:
        i = step[0]
        row = (i * 337) % rows
        tab.view.scrollTo(editor.cell_index("D02-TS", row, "Hoten"))
        started = time.perf_counter()
        editor.edit_cell("D02-TS", row, "ghiChu", f"sửa {i}")
        edit_times.append(time.perf_counter() - started)
        step[0] += 1
        if step[0] >= edits:
            timer.stop()
            QTimer.singleShot(1500, app.qt.quit)        # let the last validation finish

    timer = QTimer(interval=40)
    timer.timeout.connect(edit)
    QTimer.singleShot(1000, timer.start)               # after the first validation
    app.qt.exec()
    probe.stop()
    app.close()
    return {"edit_ms_median": statistics.median(edit_times) * 1000, "edit_ms_max": max(edit_times) * 1000,
            "loop_gap_ms_max": probe.worst_ms}


def table() -> str:
    m = measure()
    return "\n".join([
        "| 10,000-row D02-TS open in the editor | ms |", "|---|---:|",
        f"| one cell edit on the UI thread (autosave, undo, redraw), median | {m['edit_ms_median']:.1f} |",
        f"| one cell edit, worst | {m['edit_ms_max']:.1f} |",
        f"| longest event-loop wait during 30 edits, scrolling, validation | {m['loop_gap_ms_max']:.0f} |",
    ])
