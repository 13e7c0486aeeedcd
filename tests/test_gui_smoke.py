"""The installed app under Xvfb with the openbox window manager, driven through the keyboard alone with
xdotool at a person's pace, on a fresh home in test mode: Ctrl+N and Enter make a 600 dossier, one D02-TS
row is typed (40 ms a key, Tab between cells), Ctrl+K and the demo PIN sign it, Ctrl+Shift+G files it to
the sandbox, F5 until the result is in, Ctrl+R shows it. Then the store holds exactly what was typed, the
dossier is approved, and the log holds no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.xdisplay import free_port, x_display

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None or shutil.which("Xvfb") is None,
                                reason="needs Xvfb and xdotool (bash installer/bootstrap.sh test)")

BHXH_DESK = Path(sys.executable).parent / "bhxh-desk"          # the installed entry point
ROW = [("pa", "TM"), ("Hoten", "Tran Van Minh"), ("Masobhxh", "0079000001"), ("Ngaysinh", "01/01/1995"),
       ("Gioitinh", "1"), ("Cmnd", ""), ("chucVu", "Ky su"), ("tienLuong", "15000000")]


class Person:
    """xdotool on one display: keys and text as a person types them."""

    def __init__(self, display) -> None:
        self.display = display

    def _run(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.display.env(), capture_output=True, text=True,
                              timeout=60).stdout

    def key(self, *keys: str, pause: float = 0.4) -> None:
        for k in keys:
            self._run("key", "--clearmodifiers", k)
            time.sleep(pause)

    def type(self, text: str) -> None:
        if text:
            self._run("type", "--delay", "40", text)
        time.sleep(0.3)

    def window_named(self, name: str, timeout: float = 30) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._run("search", "--onlyvisible", "--name", name).split():
                return True
            time.sleep(0.25)
        return False


class Stored:
    """The dossier as the store file holds it, read with SQLite in read-only mode: the running window keeps
    the store open, and this test is only a reader beside it."""

    def __init__(self, home: Path) -> None:
        self.path = home / "data" / "test-mode" / "bhxh-desk.sqlite3"

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        import sqlite3

        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def dossier(self) -> tuple[int, str, str, str] | None:
        """(id, procedure, unit, period) of the one dossier."""
        rows = self._query("SELECT d.id, d.procedure, u.code, d.period FROM drafts d JOIN units u ON u.id = d.unit_id")
        return rows[0] if rows else None

    def state(self, draft_id: int) -> str:
        return self._query("SELECT COALESCE((SELECT s.state FROM submissions s WHERE s.id = d.submission_id), "
                           "d.state) FROM drafts d WHERE d.id = ?", (draft_id,))[0][0]

    def row(self, draft_id: int) -> dict:
        rows = self._query("SELECT content FROM draft_rows WHERE draft_id = ? AND form = 'D02-TS' ORDER BY seq",
                           (draft_id,))
        return json.loads(rows[0][0]) if rows else {}


def test_the_installed_app_through_the_keyboard_alone(tmp_path):
    home = tmp_path / "home"
    env_extra = {"BHXH_DESK_HOME": str(home), "BHXH_DESK_SANDBOX_PORT": str(free_port()), "QT_QPA_PLATFORM": "xcb"}
    with x_display() as display:
        env = {**display.env(), **env_extra}
        env.pop("SOFTHSM2_CONF", None)
        proc = subprocess.Popen([str(BHXH_DESK)], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        person = Person(display)
        try:
            assert display.wait_for_window("bhxh-desk", 90, alive=lambda: proc.poll() is None)
            assert person.window_named("CHẾ ĐỘ THỬ NGHIỆM", 30)
            demo = home / "data" / "test-mode" / "sandbox" / "demo.json"
            end = time.monotonic() + 120                  # test mode's sandbox and demo unit come up
            while not demo.exists() and time.monotonic() < end:
                time.sleep(0.5)
            time.sleep(3)
            pin = json.loads(demo.read_text(encoding="utf-8"))["pin"]     # the banner's PIN
            person.key("ctrl+n")
            assert person.window_named("Hồ sơ mới")
            person.key("Return", pause=2.0)               # the only unit and 600 are already chosen
            stored = Stored(home)
            draft_id, procedure, unit, period = stored.dossier()
            assert (procedure, unit) == ("600", "TA1234A")
            for _name, value in ROW:                      # the cursor is in the first editable cell
                person.type(value)
                person.key("Tab")
            person.key("Tab", "Tab", "Tab", "Tab", "Tab", pause=0.2)     # to Từ tháng
            person.type(period)
            person.key("Tab", "Tab", "Tab", "Tab", "Tab", "Tab", pause=0.2)   # to Vùng lương tối thiểu
            person.type("1")
            person.key("Tab", pause=2.0)
            row = stored.row(draft_id)
            typed = {name: value for name, value in ROW if value}
            assert {k: row.get(k) for k in typed} == typed, row          # exactly as typed
            assert row.get("tuThang") == period and row.get("maVungLTT") in ("1", "01")
            assert stored.state(draft_id) == "Valid"

            person.key("Escape", "ctrl+k")
            assert person.window_named("Ký số hồ sơ")
            time.sleep(3)                                 # the certificate is checked before the PIN box
            person.type(pin)
            person.key("Return", pause=1.0)
            end = time.monotonic() + 60
            while stored.state(draft_id) != "Signed" and time.monotonic() < end:
                time.sleep(0.5)
            assert stored.state(draft_id) == "Signed"
            person.key("Escape", "ctrl+shift+g", pause=2.0)
            end = time.monotonic() + 90
            while stored.state(draft_id) not in ("Result", "Rejected") and time.monotonic() < end:
                person.key("F5", pause=2.0)
            assert stored.state(draft_id) == "Result"
            person.key("ctrl+r")
            assert person.window_named("Biên nhận và kết quả")
            display.screenshot(tmp_path / "result.png")
        finally:
            proc.terminate()
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
    log = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (home / "logs").glob("*.log*"))
    assert "Traceback" not in log + output, log[-3000:] + output[-3000:]


def test_the_smoke_test_drives_the_installed_entry_point():
    assert BHXH_DESK.exists() and os.access(BHXH_DESK, os.X_OK)
    assert (ROOT / "tests" / "xdisplay.py").exists()
