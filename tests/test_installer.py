"""The Linux one-folder bundle: built by the one script, then run headless where no venv or PYTHONPATH
exists, its self-test builds, signs and verifies a sample dossier. A missing data file fails it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    env = {**os.environ, "PYTHON": sys.executable, "DIST": str(out / "dist"), "WORK": str(out / "work")}
    r = subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out / "dist" / "bhxh-desk"


def run_bundled(bundle: Path, home: Path) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}      # no venv, no PYTHONPATH
    return subprocess.run([str(bundle / "bhxh-desk"), "--selftest"], env=clean, capture_output=True, text=True,
                          timeout=120)


def test_bundle_passes_its_selftest_without_the_venv(bundle, tmp_path):
    r = run_bundled(bundle, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "self-test passed" in r.stdout and "2 signatures verified" in r.stdout
    assert str(bundle) in r.stdout                        # it used the bundle's own resources


def test_bundle_cli_works(bundle, tmp_path):
    r = subprocess.run([str(bundle / "bhxh-desk"), "procedures", "--json"], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60)
    assert r.returncode == 0 and '"600"' in r.stdout


def test_missing_data_file_fails_the_selftest(bundle, tmp_path):
    xsd = next(bundle.rglob("resources/schemas/D02-TS.xsd"))
    hidden = xsd.with_suffix(".hidden")
    xsd.rename(hidden)
    try:
        r = run_bundled(bundle, tmp_path)
    finally:
        hidden.rename(xsd)
    assert r.returncode == 1 and "D02-TS.xsd" in r.stdout


def test_bundle_opens_its_window(bundle, tmp_path):
    """The bundle, started with no command under Xvfb and openbox, maps its main window."""
    from tests.xdisplay import free_port, x_display

    with x_display() as display:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "DISPLAY": display.name,
               "BHXH_DESK_HOME": str(tmp_path / "home"), "BHXH_DESK_SANDBOX_PORT": str(free_port())}
        titles, output = display.open_program([str(bundle / "bhxh-desk")], env)
    assert any(t.startswith("bhxh-desk") for t in titles), output[-3000:]


def test_bundle_adds_itself_to_the_menu(bundle, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "share")}
    r = subprocess.run([str(bundle / "install-desktop.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    entry = tmp_path / "share" / "applications" / "vn.bhxh_desk.BhxhDesk.desktop"
    assert f"Exec={bundle / 'bhxh-desk'}" in entry.read_text().splitlines()
    assert subprocess.run(["desktop-file-validate", str(entry)]).returncode == 0
