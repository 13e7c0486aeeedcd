"""The employee register (app.register): remembered people fill rows and check changes."""

from __future__ import annotations

from bhxh_desk.app.store import Store, register
from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.draft import draft_from_dict
from tests.conftest import example_dict


def test_remember_lookup_and_check(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        draft = draft_from_dict(example_dict())
        assert register.remember(store, draft) == 6
        known = register.lookup(store, "TA1234A", ma_so_bhxh="0123456789")
        assert known["Hoten"] == "Phạm Quốc Huy" and "pa" not in known
        assert register.lookup(store, "TA1234A", cccd="079095001234")["Hoten"] == "Trần Văn Minh"
        assert register.lookup(store, "OTHER", ma_so_bhxh="0123456789") is None       # per unit
        d = example_dict()
        d["forms"] = {"D02-TS": [
            dict(d["forms"]["D02-TS"][2]),                                           # DC with the same salary
            dict(d["forms"]["D02-TS"][1]),                                           # TM of someone known
            dict(d["forms"]["D02-TS"][2], tienLuong="16000000"),                     # a real raise
        ]}
        issues = register.check(store, draft_from_dict(d))
        assert [(i.row, i.field, i.code, i.severity.value) for i in issues] == [
            (1, "tienLuong", "register.no_change", "warning"), (2, "Masobhxh", "register.already_declared", "warning")]


def test_fill_only_empty_fields(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        register.remember(store, draft_from_dict(example_dict()))
        form = load_catalog().form("D02-TS")
        fills = register.fill(store, "TA1234A", form, {"pa": "DC", "Masobhxh": "0123456789", "chucVu": "Giám đốc"},
                              "Masobhxh")
        assert fills["Hoten"] == "Phạm Quốc Huy" and "chucVu" not in fills and "pa" not in fills
        assert register.fill(store, "TA1234A", form, {"Hoten": "X"}, "Hoten") == {}
