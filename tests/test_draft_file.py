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
