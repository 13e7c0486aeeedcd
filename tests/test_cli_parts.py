"""A form made of parts is one record: `import --into` replaces it with the sheet's, never adds a second."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from tests.conftest import ROOT

APP = [sys.executable, "-m", "bhxh_desk.app"]


def test_the_sickness_list_goes_out_to_excel_and_back_as_one_record(tmp_path):
    draft = tmp_path / "d.json"
    shutil.copy(ROOT / "docs" / "examples" / "630b-thai-san.json", draft)
    before = json.loads(draft.read_text(encoding="utf-8"))["forms"]["M01B-HSB"]
    xlsx = tmp_path / "x.xlsx"
    assert subprocess.run([*APP, "export", str(draft), "--form", "M01B-HSB", "-o", str(xlsx)],
                          capture_output=True).returncode == 0
    r = subprocess.run([*APP, "import", str(xlsx), "--form", "M01B-HSB", "--into", str(draft)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = json.loads(draft.read_text(encoding="utf-8"))["forms"]["M01B-HSB"]
    assert len(after) == 1
    for part in ("OmDau", "ThaiSan", "DuongSuc", "DieuChinh"):
        assert len(after[0].get(part, [])) == len(before[0].get(part, [])), part
    assert subprocess.run([*APP, "validate", str(draft)], capture_output=True).returncode == 0
