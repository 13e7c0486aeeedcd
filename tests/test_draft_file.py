"""Reading and writing the draft file format bhxh-desk/draft@1 (forms.draft)."""

from __future__ import annotations

import json
import unicodedata

import pytest

from bhxh_desk.forms.draft import FORMAT, loads, read_draft, write_draft
from bhxh_desk.forms.errors import DraftError
from tests.conftest import EXAMPLE, example_dict


def code_of(text) -> str:
    with pytest.raises(DraftError) as info:
        loads(text)
    assert info.value.message("vi") and info.value.message("en")
    return info.value.code


def test_example_reads_and_writes_back_identically(tmp_path, example):
    out = tmp_path / "d.json"
    write_draft(example, out)
    assert read_draft(out) == example
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == FORMAT


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "draft.unreadable"),
        ("[]", "draft.shape"),
        ('{"format": "other"}', "draft.format"),
        ('{"format": "bhxh-desk/draft@1", "procedure": "600", "period": "03/2026", "x": 1}', "draft.unknown_key"),
        ('{"format": "bhxh-desk/draft@1", "format": "bhxh-desk/draft@1"}', "draft.duplicate_key"),
        ('{"format": "bhxh-desk/draft@1", "procedure": 600}', "draft.shape"),
        ('{"format": "bhxh-desk/draft@1", "procedure": "600", "forms": {"D02-TS": {}}}', "draft.shape"),
        ('{"format": "bhxh-desk/draft@1", "procedure": "600", "forms": {"D02-TS": [1]}}', "draft.shape"),
        ('{"format": "bhxh-desk/draft@1", "procedure": "600", "unit": {"code": 1}}', "draft.shape"),
        ('{"format": "bhxh-desk/draft@1", "procedure": "600", "period": NaN}', "draft.unreadable"),
        ("[" * 100000, "draft.unreadable"),
    ],
)
def test_bad_files_are_refused_with_a_reason(text, code):
    assert code_of(text) == code


def test_non_utf8_is_refused():
    assert code_of("{}".encode("utf-16")) == "draft.not_utf8"


def test_bom_is_accepted():
    data = "\ufeff".encode() + EXAMPLE.read_bytes()
    assert loads(data, EXAMPLE.parent).procedure == "600"


def test_text_is_stored_nfc():
    d = example_dict()
    d["unit"]["name"] = unicodedata.normalize("NFD", "Công ty Ánh Dương")
    draft = loads(json.dumps(d))
    assert draft.unit.name == "Công ty Ánh Dương"


@pytest.mark.parametrize("escaped", [False, True], ids=["raw text (normalised whole)", "\\u escapes (walked)"])
def test_every_text_is_nfc_whether_the_json_escapes_it_or_not(escaped):
    """A text without \\u escapes is normalised whole before it is parsed; with escapes each string is: both
    give each string's own NFC, keys included, and leave the JSON's structure alone (U+037E is ";" and
    U+212A "K" in NFC, a combining mark may follow a quote)."""
    d = example_dict()
    nasty = ["Công ty Ánh Dương", "a\u037eb", "\u212a", "\u0301đầu", "Nguyễn Thị Ánh\u0323"]
    d["unit"]["name"] = unicodedata.normalize("NFD", nasty[0])
    d["unit"]["signer"] = unicodedata.normalize("NFD", " ".join(nasty[1:]))
    row = d["forms"]["D02-TS"][0]
    row["Hoten"] = unicodedata.normalize("NFD", "Phạm Quốc Huy")
    d["forms"]["D02-TS"].append({**row, unicodedata.normalize("NFD", "Ghichu"): "\u0301"})
    draft = loads(json.dumps(d, ensure_ascii=escaped))
    assert draft.unit.name == nasty[0]
    assert draft.unit.signer == unicodedata.normalize("NFC", unicodedata.normalize("NFD", " ".join(nasty[1:])))
    assert ";" in draft.unit.signer and "K" in draft.unit.signer
    assert draft.forms["D02-TS"][0]["Hoten"] == "Phạm Quốc Huy"
    assert draft.forms["D02-TS"][-1]["Ghichu"] == "\u0301"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DraftError) as info:
        read_draft(tmp_path / "none.json")
    assert info.value.code == "draft.cannot_open"


def test_attachments_by_path_or_embedded(tmp_path):
    draft = read_draft(EXAMPLE)
    (attachment,) = draft.attachments
    assert attachment.content.startswith(b"%PDF-") and attachment.description.startswith("Quyết định")
    out = tmp_path / "moved.json"
    write_draft(draft, out)                           # embedded: the copy needs no file beside it
    assert read_draft(out).attachments == draft.attachments
    d = example_dict()
    d["attachments"] = [{"name": "x.pdf", "description": "", "file": "missing.pdf"}]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(DraftError) as info:
        read_draft(path)
    assert info.value.code == "draft.attachment_missing" and "x.pdf" in info.value.message("vi")


# ---------------------------------------------------------------- text that is not text (issue 18)

@pytest.mark.parametrize(("where", "edit"), [
    ("forms.D02-TS[1].Hoten", lambda s: s.replace('"Phạm Quốc Huy"', '"Ph\\ud800m"', 1)),
    ("unit.name", lambda s: s.replace('"name": "', '"name": "\\udfff', 1)),
    ("forms.D02-TS[1].ghi\\udc80", lambda s: s.replace('"pa":', '"ghi\\udc80": "x", "pa":', 1)),
])
def test_a_lone_surrogate_is_a_clear_draft_error(where, edit):
    from tests.conftest import minimal_dict

    text = edit(json.dumps(minimal_dict(), ensure_ascii=False))
    with pytest.raises(DraftError) as info:
        loads(text)
    assert info.value.code == "draft.unencodable"
    assert info.value.params["where"] == where
    assert where in info.value.message("en") and "\\ud800" in info.value.message("vi")


def test_a_surrogate_pair_is_one_character_and_reads():
    from tests.conftest import minimal_dict

    text = json.dumps(minimal_dict()).replace('"DC"', '"DC"', 1).replace('"Tr', '"\\ud83d\\ude00 Tr', 1)
    draft = loads(text)
    assert draft.rows("D02-TS")[0]["chucVu"].startswith("\U0001f600")


def test_no_command_meets_a_lone_surrogate_as_unexpected(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, minimal_dict

    path = tmp_path / "d.json"
    path.write_text(json.dumps(minimal_dict()).replace('"Ph', '"\\ud800Ph', 1), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), BHXH_DESK_HOME=str(tmp_path / "home"))
    for args in (["validate", str(path)], ["build", str(path), "-o", str(tmp_path / "o.xml")],
                 ["export", str(path), "-o", str(tmp_path / "o.xlsx")], ["drafts", "import", str(path)],
                 ["contributions", str(path)]):
        r = subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=120)
        assert r.returncode == 2, (args, r.stderr)
        assert "UTF-16" in r.stderr and "mong muốn" not in r.stderr, (args, r.stderr)
