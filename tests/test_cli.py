"""The bhxh-desk command as a user runs it: a real process, real files (app.cli)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lxml import etree

from bhxh_desk.forms.schemas import check
from tests.conftest import EXAMPLE, ROOT, minimal_dict


def run(*args: str, env_home=None, input_text=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if env_home:
        env["BHXH_DESK_HOME"] = str(env_home)
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, input=input_text, timeout=120)


def test_procedures_json_lists_600_with_its_three_forms():
    r = run("procedures", "--json")
    assert r.returncode == 0, r.stderr
    procs = {p["code"]: p for p in json.loads(r.stdout)}
    assert [f["code"] for f in procs["600"]["forms"]] == ["D02-TS", "TK1-TS", "D01-TS"]
    assert [f["required"] for f in procs["600"]["forms"]] == [True, False, False]


def test_procedures_text_in_both_languages():
    assert "bắt buộc" in run("procedures").stdout
    assert "required" in run("procedures", "--lang", "en").stdout


def test_validate_exit_codes(tmp_path):
    assert run("validate", str(EXAMPLE)).returncode == 0
    bad = minimal_dict()
    bad["forms"]["D02-TS"][0]["Masobhxh"] = "12"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    r = run("validate", str(path), "--json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["valid"] is False and report["errors"] == 1
    assert report["issues"][0]["field"] == "Masobhxh" and report["issues"][0]["row"] == 1
    r = run("validate", str(path), "--lang", "en")
    assert "exactly 10 digits" in r.stdout
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not json")
    r = run("validate", str(garbage))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.strip()
    assert run("validate", str(tmp_path / "missing.json")).returncode == 2


def test_build_writes_an_envelope_that_passes_the_xsd(tmp_path):
    out = tmp_path / "BHXHDienTu.xml"
    r = run("build", str(EXAMPLE), "-o", str(out), "--date", "20/03/2026")
    assert r.returncode == 0, r.stderr
    check(etree.fromstring(out.read_bytes()), "BHXHDienTu", out.name)


def test_build_refuses_an_invalid_draft_and_leaves_no_file(tmp_path):
    bad = minimal_dict()
    bad["forms"]["D02-TS"][0]["tuThang"] = "13/2026"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    out = tmp_path / "out.xml"
    r = run("build", str(path), "-o", str(out))
    assert r.returncode == 1
    assert "tuThang" in r.stderr and not out.exists()


def test_drafts_import_list_export(tmp_path):
    home = tmp_path / "home"
    r = run("drafts", "import", str(EXAMPLE), env_home=home)
    assert r.returncode == 0, r.stderr
    draft_id = r.stdout.split()[0]
    listing = json.loads(run("drafts", "list", "--json", env_home=home).stdout)
    assert [(d["id"], d["unit"], d["state"]) for d in listing] == [(int(draft_id), "TA1234A", "Draft")]
    out = tmp_path / "exported.json"
    assert run("drafts", "export", draft_id, "-o", str(out), env_home=home).returncode == 0
    from bhxh_desk.forms.draft import read_draft

    assert read_draft(out) == read_draft(EXAMPLE)          # the attachment now travels embedded
    assert (home / "data" / "bhxh-desk.sqlite3").exists()


def test_import_never_half_applies(tmp_path):
    home = tmp_path / "home"
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    r = run("drafts", "import", str(EXAMPLE), str(broken), env_home=home)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert json.loads(run("drafts", "list", "--json", env_home=home).stdout) == []


def test_export_of_missing_draft_is_a_message(tmp_path):
    r = run("drafts", "export", "42", "-o", str(tmp_path / "x.json"), env_home=tmp_path / "home")
    assert r.returncode == 2 and "42" in r.stderr and "Traceback" not in r.stderr


def test_the_quick_exit_keeps_exit_code_output_and_atexit_functions():
    """run() leaves without Python's teardown; the exit code, everything printed (through a pipe, so
    buffered) and the atexit functions must all still be there."""
    code = ("import atexit, sys; atexit.register(lambda: print('atexit ran', file=sys.stderr)); "
            "sys.argv = ['bhxh-desk', 'procedures']; from bhxh_desk.app.launch import run; run()")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}      # buffered, as usual
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(env, PYTHONPATH=str(ROOT)))
    listed = run("procedures")
    assert r.returncode == 0 and r.stdout == listed.stdout and listed.stdout.count("\n") > 5
    assert r.stderr.strip().endswith("atexit ran")
    bad = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "validate", str(ROOT / "no-such-draft.json")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "no-such-draft.json" in bad.stderr


def test_schemas_check_passes():
    assert run("schemas", "check").returncode == 0


@pytest.mark.parametrize("command", ["procedures", "validate"])
def test_cli_paths_import_neither_qt_nor_lxml_for_procedures(command):
    code = (
        "import sys; from bhxh_desk.app.cli import main; "
        f"rc = main([{command!r}] + ([{str(EXAMPLE)!r}] if {command!r} == 'validate' else [])); "
        "assert not [m for m in sys.modules if m.startswith('PySide6')]; "
        f"assert {command!r} != 'procedures' or 'lxml' not in sys.modules, 'lxml loaded'; "
        "sys.exit(rc)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr


def test_core_imports_with_qt_blocked():
    """forms, signing and the app core must work where PySide6 cannot even be imported."""
    code = (
        "import sys, importlib, pkgutil\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'): raise ImportError('Qt blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from bhxh_desk import forms, app, signing\n"
        "for pkg in (forms, app, signing):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if m.name.startswith('bhxh_desk.app.ui') or m.name == 'bhxh_desk.app.__main__': continue\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
