"""The D02-TS row as the 2026 portal has it, the phương án codes and what each brings, the person's
identifier since CV 1804/BHXH-QLT, and drafts of the release of 2/12/2026 opening in today's catalog.

Rates, ceilings and contributions are tested in tests/test_contributions.py.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from bhxh_desk.forms.catalog import code_list, load_catalog
from bhxh_desk.forms.draft import draft_from_dict, read_draft
from bhxh_desk.forms.validate import Severity, errors_of, validate
from bhxh_desk.forms.xmlbuild import build_unsigned
from bhxh_desk.forms.xmlread import draft_from_envelope, read_envelope
from tests.conftest import ROOT, minimal_dict

RELEASE = ROOT / "tests" / "data" / "release-0.1.0"
EXAMPLE_2026 = ROOT / "docs" / "examples" / "600-2026-phuong-an.json"


def d02(**row) -> dict:
    """A 600 dossier whose one D02-TS row is the minimal DC row changed by ``row`` (None removes a key)."""
    d = minimal_dict()
    base = d["forms"]["D02-TS"][0]
    for key, value in row.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return d


def issues(d: dict):
    return validate(draft_from_dict(d))


def codes(d: dict, severity: Severity | None = None) -> list[tuple[str | None, str]]:
    return [(i.field, i.code) for i in issues(d) if severity is None or i.severity is severity]


def d02_xml(d: dict) -> str:
    env = read_envelope(build_unsigned(draft_from_dict(d)))
    return next(f.content for f in env.files if f.code == "D02-TS").decode()


# ---------------------------------------------------------------- the row as the portal has it

def test_wage_zone_is_maVungLTT_01_to_04_and_maVungSS_is_the_bhyt_area():
    assert set(code_list("wage_zone").entries) == {"01", "02", "03", "04"}
    assert set(code_list("bhyt_area").entries) == {"K1", "K2", "K3"}
    assert codes(d02(maVungSS="K2")) == []
    assert codes(d02(maVungSS="1")) == [("maVungSS", "field.code_unknown")]
    xml = d02_xml(d02(maVungLTT="03", tienLuong="6.000.000"))
    assert "<maVungLTT>03</maVungLTT>" in xml and "<maVungSS></maVungSS>" in xml


def test_chucVu_is_required_up_to_500_characters():
    assert codes(d02(chucVu=None)) == [("chucVu", "field.required")]
    assert codes(d02(chucVu="x" * 500)) == []
    assert codes(d02(chucVu="x" * 501)) == [("chucVu", "field.too_long")]


@pytest.mark.parametrize(("row", "da_co_so"), [
    ({}, "1"),                                                         # DC: has a book
    ({"pa": "TM", "Masobhxh": None, "Cmnd": "079095001234"}, "0"),     # a new join, no number yet
    ({"pa": "TM"}, "1"),                                               # a new join who already has a number
    ({"pa": "TD", "Masobhxh": None, "Cmnd": "079095001234"}, "1"),     # joins from another unit: has a book
    ({"daCoSo": "0"}, "0"),                                            # what the clerk chose wins
])
def test_daCoSo_and_tinhLai_are_required_yes_no_with_defaults_that_follow_the_row(row, da_co_so):
    d = d02(**row)
    tk1 = None
    if row.get("pa") == "TM" and "Cmnd" in row:      # a new join without a number declares a TK1-TS
        tk1 = json.loads(json.dumps(json.loads(Path(ROOT / "docs/examples/600-bao-tang-giam.json").read_text())
                                    ["forms"]["TK1-TS"][0]))
        tk1["CMND"] = row["Cmnd"]
        d["forms"]["TK1-TS"] = [tk1]
    assert errors_of(issues(d)) == []
    xml = d02_xml(d)
    assert f"<daCoSo>{da_co_so}</daCoSo>" in xml and "<tinhLai>0</tinhLai>" in xml
    assert codes(d02(tinhLai="2")) == [("tinhLai", "field.code_unknown")]


def test_new_fields_follow_the_portal_order_and_dates_are_checked():
    names = [f.name for f in load_catalog().form("D02-TS").fields]
    portal = ["pa", "Hoten", "Masobhxh", "chucVu", "tienLuong", "phuCapCV", "phuCapTNVK", "phuCapTNNghe",
              "phuCapLuong", "phuCapBoSung", "tuThang", "denThang", "tyLeDong", "tinhLai", "daCoSo", "maVungSS",
              "maVungLTT", "noiLamViec", "VtvlNqlTungay", "VtvlNqlDenngay", "VtvlCmktbcTungay",
              "VtvlCmktbcDenngay", "VtvlCmktbtTungay", "VtvlCmktbtDenngay", "VtvlKhacTungay", "VtvlKhacDenngay",
              "NndhTungay", "NndhDenngay", "HdldTungay", "HdldXdthTungay", "HdldXdthDenngay", "HdldKhacTungay",
              "HdldKhacDenngay"]
    assert [n for n in names if n in portal] == portal      # the portal's D02-TS model, as captured
    assert codes(d02(HdldXdthTungay="01/12/2026", HdldXdthDenngay="30/11/2028")) == []
    assert codes(d02(NndhTungay="01/12/2026", NndhDenngay="01/11/2026")) == [("NndhDenngay", "rule.date_order")]
    assert codes(d02(VtvlKhacTungay="31/11/2026")) == [("VtvlKhacTungay", "field.date_not_exist")]


# ---------------------------------------------------------------- phương án codes

def test_every_code_has_a_label_its_needs_and_its_source():
    entries = code_list("phuong_an").entries
    assert {"TM", "TD", "TC", "DC", "GH", "KL", "OF", "TS", "ON", "GC", "GD", "AD", "SB", "TT", "TU", "AT"} \
        <= set(entries)
    assert not {"TV", "GV"} & set(entries)               # no source gives their meaning
    form = load_catalog().form("D02-TS")
    for entry in entries.values():
        assert entry.label_vi and entry.label_en and entry.attrs["source"]
        assert isinstance(entry.attrs["confirmed"], bool)
        for name in entry.attrs["needs"]:
            assert form.field(name) is not None, (entry.code, name)
    assert entries["TD"].label_vi == "Tăng mới do chuyển từ đơn vị khác đến"       # Thái Sơn's labels
    assert entries["TC"].label_vi == "Tăng mới do chuyển từ tỉnh khác đến"


@pytest.mark.parametrize(("pa", "needs"), [
    ("TS", {"denThang"}), ("OF", {"denThang"}), ("AD", {"tienLuong", "maVungLTT", "denThang"}),
    ("SB", {"tienLuong", "maVungLTT", "denThang"}), ("TT", {"tienLuong", "denThang"}),
    ("DC", {"tienLuong", "maVungLTT"}), ("ON", {"tienLuong", "maVungLTT"}),
    ("TD", {"tienLuong", "maVungLTT"}),
])
def test_each_code_brings_the_fields_it_needs(pa, needs):
    bare = d02(pa=pa, tienLuong=None, maVungLTT=None, denThang=None)
    found = {field for field, code in codes(bare) if code == "rule.code_needs"}
    assert found == needs
    message = next(i for i in issues(bare) if i.code == "rule.code_needs")
    assert pa in message.message_vi and pa in message.message_en


@pytest.mark.parametrize("pa", ["GH", "GC", "GD", "KL"])
def test_leaving_codes_need_no_salary_but_a_number(pa):
    assert errors_of(issues(d02(pa=pa, tienLuong=None, maVungLTT=None))) == []
    assert codes(d02(pa=pa, tienLuong=None, Masobhxh=None), Severity.ERROR) == [("Masobhxh",
                                                                                  "rule.code_needs_one_of")]


def test_a_code_known_only_from_client_software_says_so_once():
    d = d02(pa="GD", tienLuong=None)
    d["forms"]["D02-TS"].append(dict(d["forms"]["D02-TS"][0], Masobhxh="0123456780"))
    notes = [i for i in issues(d) if i.code == "rule.code_unconfirmed"]
    assert len(notes) == 1 and notes[0].severity is Severity.WARNING and notes[0].row == 1
    assert "chưa có văn bản BHXH" in notes[0].message_vi
    assert not [i for i in issues(d02()) if i.code == "rule.code_unconfirmed"]     # DC is BHXH's own


# ---------------------------------------------------------------- the person's identifier

def test_the_12_digit_number_alone_identifies_a_person():
    assert codes(d02(Masobhxh=None, Cmnd="079088001122")) == []
    xml = d02_xml(d02(Masobhxh=None, Cmnd="079088001122"))
    assert "<Cmnd>079088001122</Cmnd>" in xml and "<Masobhxh></Masobhxh>" in xml


def test_the_12_digit_number_in_the_bhxh_column_is_pointed_to_its_own():
    (issue,) = issues(d02(Masobhxh="079088001122"))
    assert (issue.field, issue.code) == ("Masobhxh", "field.bhxh_id_is_personal")
    assert "CCCD" in issue.message_vi


def test_a_9_digit_cmnd_is_a_warning_that_it_is_void():
    (issue,) = issues(d02(Cmnd="079088001"))
    assert (issue.code, issue.severity) == ("rule.cmnd_void", Severity.WARNING)
    assert "01/01/2025" in issue.message_vi


def test_a_passport_number_is_taken_and_asks_for_the_tk1_with_the_nationality():
    (issue,) = issues(d02(Cmnd="c1234567"))
    assert (issue.field, issue.code, issue.severity) == ("Cmnd", "rule.passport_needs_declaration", Severity.WARNING)
    assert "C1234567" in issue.message_vi                         # written in capitals
    assert codes(d02(Cmnd="12-34")) == [("Cmnd", "field.personal_id")]
    draft = read_draft(EXAMPLE_2026)                              # Kim Min Jun: passport, TK1-TS with KR
    assert not [i for i in validate(draft) if i.code == "rule.passport_needs_declaration"]


def test_duplicates_are_found_by_either_number():
    d = d02(Cmnd="079088001122")
    d["forms"]["D02-TS"].append(dict(d["forms"]["D02-TS"][0], Masobhxh=None, pa="GH"))
    assert ("Cmnd", "rule.duplicate") in codes(d)
    d["forms"]["D02-TS"][1].update(Masobhxh="0123456789", Cmnd=None)
    assert ("Masobhxh", "rule.duplicate") in codes(d)


def test_a_new_join_never_insured_still_needs_its_tk1():
    d = d02(pa="TM", Masobhxh=None, Cmnd="079088001122")
    assert codes(d, Severity.ERROR) == [("Masobhxh", "rule.new_needs_declaration")]


# ---------------------------------------------------------------- TK1-TS and TK3-TS codes

def test_ccns_follows_the_date_of_birth():
    base = json.loads(EXAMPLE_2026.read_text(encoding="utf-8"))
    for born, ccns in (("05/09/1988", "0"), ("09/1988", "1"), ("1988", "2")):
        base["forms"]["TK1-TS"][0]["NgaySinh"] = born
        base["forms"]["D02-TS"][4]["Ngaysinh"] = born
        env = read_envelope(build_unsigned(draft_from_dict(json.loads(json.dumps(base)))))
        tk1 = next(f.content for f in env.files if f.code == "TK1-TS").decode()
        assert f"<CCNS>{ccns}</CCNS>" in tk1
    base["forms"]["TK1-TS"][0]["CCNS"] = "0"                    # says full date; the date is a year
    assert ("CCNS", "field.follows_birthdate") in codes(base)


def test_ethnic_codes_and_payment_schedules():
    ethnic = code_list("ethnic").entries
    assert ethnic["55"].label_vi == "Ca dong" and ethnic["99"].label_vi == "Người nước ngoài"
    assert set(code_list("payment_mode_unit").entries) == {"1", "3", "6"}
    tk3 = load_catalog().form("TK3-TS").field("PhuongThucDong")
    assert tk3.codes == "payment_mode_unit"
    assert {"12", "N"} <= set(code_list(load_catalog().form("TK1-TS").field("Phuongthuc").codes).entries)


def test_tk1_carries_how_the_result_is_delivered():
    base = json.loads(EXAMPLE_2026.read_text(encoding="utf-8"))
    base["forms"]["TK1-TS"][0]["Nhan_Bangiay"] = "1"
    assert ("DiachiNhanBangiay", "rule.required_when") in codes(base)
    base["forms"]["TK1-TS"][0].update(DiachiNhanBangiay="15 Nguyễn Huệ", Tinh_NhanBangiay="79",
                                      Xa_NhanBangiay="26740")
    assert errors_of(issues(base)) == []


def test_the_2026_example_validates_and_builds_every_new_case():
    draft = read_draft(EXAMPLE_2026)
    assert errors_of(validate(draft)) == []
    pas = [r["pa"] for r in draft.forms["D02-TS"]]
    assert {"TS", "ON", "GD", "DC", "TM"} <= set(pas)
    env = read_envelope(build_unsigned(draft))
    xml = next(f.content for f in env.files if f.code == "D02-TS").decode()
    assert re.findall(r"<maVungLTT>(0[1-4])</maVungLTT>", xml)
    assert "<tienLuong>80000000</tienLuong>" in xml                # above every ceiling, declared as paid
    assert "<Cmnd>M12345678</Cmnd>" in xml


# ---------------------------------------------------------------- nothing made before is lost

def _old_rows(name: str) -> list[dict]:
    return json.loads((RELEASE / name).read_text(encoding="utf-8"))["forms"]["D02-TS"]


def test_a_draft_of_the_release_opens_with_its_migration_reported_and_every_value_kept():
    draft = read_draft(RELEASE / "600-bao-tang-giam.json")
    old = _old_rows("600-bao-tang-giam.json")
    assert [(m.code, m.form, m.count) for m in draft.migrations] == [("migrate.wage_zone", "D02-TS", 4)]
    assert "4 dòng D02-TS" in draft.migrations[0].message("vi") and "maVungLTT" in draft.migrations[0].message("en")
    for before, after in zip(old, draft.forms["D02-TS"], strict=True):
        moved = {k: v for k, v in before.items() if k != "maVungSS"}
        if "maVungSS" in before:
            moved["maVungLTT"] = "0" + before["maVungSS"]
        assert after == moved
    again = draft_from_dict(json.loads(draft.to_json()))          # written back, read again: nothing to move
    assert again.migrations == [] and again.forms == draft.forms


def test_the_cli_reports_the_migration_in_one_line(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "bhxh_desk.app", "validate", str(RELEASE / "601-truy-dong.json")],
                       capture_output=True, text=True, cwd=tmp_path)
    moved = [line for line in r.stderr.splitlines() if "maVungLTT" in line]
    assert len(moved) == 1 and moved[0].startswith("Đã chuyển vùng lương tối thiểu của 1 dòng D02-TS")


def test_a_stored_draft_of_the_release_opens_and_its_signed_file_is_never_rewritten(tmp_path):
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox

    copy = tmp_path / "store.sqlite3"
    shutil.copy(RELEASE / "store.sqlite3", copy)
    signed = (RELEASE / "600-signed.xml").read_bytes()
    with Store(copy) as store:
        draft = store.load_draft(1)
        assert [m.code for m in draft.migrations] == ["migrate.wage_zone"]
        assert draft.forms["D02-TS"][0]["maVungLTT"] == "01"
        assert store.signed_file(1) == signed
        (queued,) = Outbox(store).all()
        assert Outbox(store).file(queued.id) == signed
    raw = sqlite3.connect(copy).execute(
        "SELECT content FROM draft_rows WHERE draft_id = 1 AND form = 'D02-TS' ORDER BY seq").fetchone()
    assert json.loads(raw[0])["maVungSS"] == "1"                  # opening alone changed nothing stored


def test_a_file_built_by_the_release_is_checked_against_the_schema_it_was_built_with():
    from bhxh_desk.forms.errors import SchemaError
    from bhxh_desk.forms.schemas import check_bytes, earlier_versions
    from bhxh_desk.signing.dossier import verify_dossier

    signed = (RELEASE / "600-signed.xml").read_bytes()
    form = next(f for f in read_envelope(signed).files if f.code == "D02-TS")
    assert earlier_versions("D02-TS") == ["previous/D02-TS@0.1.0"]
    with pytest.raises(SchemaError):
        check_bytes(form.content, "D02-TS", form.name)            # today's schema: maVungSS "1" is no area
    assert check_bytes(form.content, "D02-TS", form.name, earlier=True) == "previous/D02-TS@0.1.0"
    results = verify_dossier(signed, anchors=[_self_signed(signed)])
    assert len(results) == 4 and all(r.ok for r in results)        # 3 forms and the envelope, as built
    back = draft_from_envelope(signed)                              # and readable into today's draft
    assert [m.code for m in back.migrations] == ["migrate.wage_zone"]


def _self_signed(signed: bytes):
    from cryptography import x509

    pem = re.search(rb"<X509Certificate>(.*?)</X509Certificate>", signed, re.S)[1]
    return x509.load_der_x509_certificate(base64.b64decode(pem))


def test_the_register_finds_a_person_by_either_number(tmp_path):
    from bhxh_desk.app.store import Store, register

    d = d02(Masobhxh=None, Cmnd="079088001122")
    with Store(tmp_path / "s.sqlite3") as store:
        assert register.remember(store, draft_from_dict(d)) == 1
        known = register.lookup(store, "TA1234A", cccd="079088001122")
        assert known is not None and known["Hoten"] == "Phạm Quốc Huy"
        again = d02(pa="TM", Masobhxh=None, Cmnd="079088001122")
        assert [i.code for i in register.check(store, draft_from_dict(again))] == ["register.already_declared"]
        both = d02(Cmnd="079088001122")                  # later declared with both numbers
        register.remember(store, draft_from_dict(both))
        assert register.lookup(store, "TA1234A", ma_so_bhxh="0123456789")["Cmnd"] == "079088001122"


def test_the_editor_shows_defaults_greyed_and_follows_the_row(qapp):
    from PySide6.QtCore import Qt

    from bhxh_desk.app.ui.rows_model import DEFAULT_FG, RowsModel

    form = load_catalog().form("D02-TS")
    rows = [{"pa": "TM", "Hoten": "An"}]
    model = RowsModel(form.fields, rows)
    cell = model.index(0, model.column_of("daCoSo"))
    assert model.data(cell) == "0" and model.data(cell, Qt.ItemDataRole.ForegroundRole) is DEFAULT_FG
    assert model.data(cell, Qt.ItemDataRole.EditRole) == ""         # nothing typed: the clerk may type over it
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append(a.column()))
    model.put(0, "pa", "DC")                                          # a change that has a book
    assert model.data(cell) == "1" and model.column_of("daCoSo") in changed
    model.put(0, "daCoSo", "0")
    assert model.data(cell) == "0" and model.data(cell, Qt.ItemDataRole.ForegroundRole) is None
