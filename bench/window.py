"""Start-up benchmark: from process start to the main window on screen (offscreen platform), empty and with
a 10,000-row dossier reopened; ``bhxh-desk`` with no command on a real X display (Xvfb and openbox) until
its window is mapped, as a user starts it; and ``bhxh-desk procedures`` as a whole process."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import write_draft
from bench.measure import median_run

CHILD = """
import time, sys
from PySide6.QtCore import QTimer
from bhxh_desk.app.ui.qt_app import Application
app = Application(["bhxh-desk"])
window = app.build()
def shown():
    print("shown", flush=True)
    app.qt.quit()
QTimer.singleShot(0, shown)
app.qt.exec()
app.close()
"""


def _home(rows: int | None) -> Path:
    home = Path(tempfile.mkdtemp(prefix="bhxh-bench-ui-"))
    (home / "config").mkdir()
    (home / "config" / "settings.json").write_text(json.dumps({"test_mode": False}))
    if rows:
        os.environ["BHXH_DESK_HOME"] = str(home)
        from bhxh_desk.app.store import Store
        from bhxh_desk.forms.draft import read_draft

        with Store(home / "data" / "bhxh-desk.sqlite3") as store:
            draft_id = store.create_draft(read_draft(write_draft(home / "d.json", rows)))
            store.ui_set("open_drafts", json.dumps([draft_id]))
    return home


def window_shown(rows: int | None, repeat: int = 5) -> float:
    home = _home(rows)
    env = {**os.environ, "BHXH_DESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, text=True)
        line = proc.stdout.readline()
        times.append(time.perf_counter() - start)
        proc.wait()
        if not line.startswith("shown"):
            raise RuntimeError("the window did not show")
    return statistics.median(times)


def window_mapped(repeat: int = 3) -> float:
    """`bhxh-desk` alone, the installed command, on Xvfb with openbox: from the process start to its main
    window mapped (xdotool, polled every 20 ms), median of ``repeat`` runs."""
    from tests.xdisplay import x_display

    home = _home(None)
    command = Path(sys.executable).parent / "bhxh-desk"
    times = []
    with x_display() as display:
        env = {**display.env(), "BHXH_DESK_HOME": str(home)}
        for _ in range(repeat):
            start = time.perf_counter()
            proc = subprocess.Popen([str(command)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            found = display.wait_for_window("bhxh-desk", 60, alive=lambda p=proc: p.poll() is None)
            times.append(time.perf_counter() - start)
            proc.terminate()
            proc.wait(30)
            if not found:
                raise RuntimeError("the window was not mapped")
    return statistics.median(times)


def cli_start(repeat: int = 9) -> float:
    return median_run([sys.executable, "-m", "bhxh_desk.app", "procedures"], repeat).seconds


def table(repeat: int = 5) -> str:
    rows = [("`bhxh-desk procedures` (whole process)", cli_start()),
            ("window shown after process start", window_shown(None, repeat)),
            ("`bhxh-desk` until its window is mapped (Xvfb, openbox; median of 3)", window_mapped(3)),
            ("window shown with a 10,000-row dossier reopened", window_shown(10_000, repeat))]
    return "\n".join(["| start-up | seconds (median) |", "|---|---:|",
                      *(f"| {name} | {secs:.3f} |" for name, secs in rows)])
