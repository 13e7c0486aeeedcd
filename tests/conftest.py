from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from forms.draft import Draft, draft_from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "600-bao-tang-giam.json"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test touches the real user folders."""
    monkeypatch.setenv("BHXH_DESK_HOME", str(tmp_path / "home"))


def example_dict() -> dict:
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def example_draft() -> Draft:
    return draft_from_dict(example_dict())


def minimal_dict() -> dict:
    """A valid 600 dossier with one D02-TS adjustment row, as a base for single-mistake tests."""
    d = example_dict()
    d["forms"] = {
        "D02-TS": [
            {"pa": "DC", "Hoten": "Phạm Quốc Huy", "Masobhxh": "0123456789", "Ngaysinh": "12/05/1988",
             "Gioitinh": "1", "tienLuong": "15.000.000", "tuThang": "03/2026", "maVungSS": "1"},
        ]
    }
    return d


@pytest.fixture
def example() -> Draft:
    return example_draft()
