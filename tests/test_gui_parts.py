"""A form made of parts (01B-HSB: OmDau, ThaiSan, DuongSuc, DieuChinh) opens in the editor as one record
whose parts are tables of their own, each editable, from the catalog alone."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")

from bhxh_desk.forms.draft import draft_from_dict
from tests.conftest import ROOT


def test_the_sickness_list_opens_in_its_parts_and_each_part_is_edited(offline, qtbot):
    d = json.loads((ROOT / "docs" / "examples" / "630a-om-dau.json").read_text(encoding="utf-8"))
    window = offline
    draft_id = window.store.create_draft(draft_from_dict(d))
    editor = window.open_draft(draft_id)
    tab = editor.form_tabs["M01B-HSB"]
    assert tab.panel is not None
    tab.view.setCurrentIndex(tab.model.index(0, 1))
    tab.panel.show_row(0)
    parts = {m.fields[1].name if len(m.fields) > 1 else "": m for m in tab.panel.nested_models}
    sizes = sorted(len(m.rows) for m in tab.panel.nested_models)
    om_dau = d["forms"]["M01B-HSB"][0]["OmDau"]
    assert len(om_dau) in sizes and len(d["forms"]["M01B-HSB"][0]["DieuChinh"]) in sizes
    model = next(m for m in tab.panel.nested_models if len(m.rows) == len(om_dau)
                 and m.rows[0].get("ho_ten") == om_dau[0]["ho_ten"])
    column = model.column_of("tong_so_ngay")
    assert column and parts
    model.setData(model.index(0, column), "4")
    stored = window.store.load_draft(draft_id).forms["M01B-HSB"][0]["OmDau"][0]
    assert stored["tong_so_ngay"] == "4" and stored["ho_ten"] == om_dau[0]["ho_ten"]
