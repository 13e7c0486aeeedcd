"""The README's walkthrough runs as written: demo token, sandbox, sign, submit, sync, OTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- walkthrough:.*?-->\s*```sh\n(.*?)```", text, re.S)
    assert m, "README.md lost its walkthrough block"
    return m.group(1)


def test_readme_walkthrough(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (work / "docs").symlink_to(ROOT / "docs")
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BHXH_DESK", "SOFTHSM2"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    script = ("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + walkthrough()
              + 'echo "SECRETS $DEMO_PIN $DEMO_PASSWORD $CODE"\n')
    r = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (work / "signed.xml").exists() and (work / "otp.xml").exists()
    lines = r.stdout.splitlines()
    assert any("Đã tiếp nhận" in line for line in lines), r.stdout      # the receipt
    assert any("Có kết quả" in line for line in lines), r.stdout        # the verified result
    assert sum("Đã tiếp nhận" in line for line in lines) >= 2           # and the individual's dossier
    # docs/security.md: after this full flow, no PIN, password or OTP in any file bhxh-desk wrote or logged
    pin, password, code = re.search(r"SECRETS (\S+) (\S+) (\S+)", r.stdout).groups()
    home = work / "thu-nghiem"
    for path in home.rglob("*"):
        if path.is_file() and "sandbox" not in path.relative_to(home).parts:
            data = path.read_bytes()
            assert pin.encode() not in data and password.encode() not in data, path
    for path in home.rglob("*.log"):
        assert code not in path.read_text(encoding="utf-8", errors="replace"), path
