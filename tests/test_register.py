"""The employee register (app.register): remembered people fill rows and check changes."""

from __future__ import annotations

import pytest

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


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    where = tmp_path / "s.sqlite3" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store(where) as s:
        yield s


def test_many_people_are_written_in_batches_and_the_last_declaration_wins(any_store):
    """More people than one executemany batch (so the batches join up), one of them twice in the dossier, one
    without any ID (not kept), on both back ends: every person with an ID is on the register once, as the
    dossier's last row declares them."""
    n = register._BATCH * 2 + 7
    d = example_dict()
    base = next(r for r in d["forms"]["D02-TS"] if r.get("pa") == "DC")
    rows = [dict(base, Masobhxh=f"{7900000000 + i:010d}", Cmnd=f"0791{i:08d}", Hoten=f"Người {i}") for i in range(n)]
    rows.append(dict(rows[5], Hoten="Người năm, khai lại"))
    rows.append(dict(base, Masobhxh="", Cmnd="", Hoten="Không mã"))
    d["forms"] = {"D02-TS": rows}
    draft = draft_from_dict(d)
    assert register.remember(any_store, draft, draft_id=42) == n + 1
    assert any_store.read("SELECT count(*) FROM employees WHERE unit = ?", (draft.unit.code,))[0][0] == n
    assert register.lookup(any_store, draft.unit.code, ma_so_bhxh="7900000005")["Hoten"] == "Người năm, khai lại"
    last = register.lookup(any_store, draft.unit.code, cccd=f"0791{n - 1:08d}")
    assert last["Hoten"] == f"Người {n - 1}" and last[register.DECLARED_IN] == 42 and "pa" not in last
    # one transaction: a row that cannot be written, after the first batch went in, leaves nothing of the dossier
    d["unit"]["code"] = "TB0001B"
    bad = draft_from_dict(d)
    bad.forms["D02-TS"].insert(register._BATCH + 3, dict(base, Masobhxh="7999999999", Hoten=object()))
    with pytest.raises(TypeError):
        register.remember(any_store, bad)
    assert any_store.read("SELECT count(*) FROM employees WHERE unit = ?", ("TB0001B",))[0][0] == 0
