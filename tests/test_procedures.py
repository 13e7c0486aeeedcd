"""Every procedure in the catalog: its example validates, builds and signs; and each one's own rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.draft import draft_from_dict, read_draft
from bhxh_desk.forms.validate import errors_of, validate
from bhxh_desk.forms.xmlbuild import build_forms, build_unsigned
from bhxh_desk.signing.dossier import sign_dossier, verify_dossier
from bhxh_desk.signing.signer import KeySigner
from tests.conftest import ROOT

EXAMPLES_DIR = ROOT / "docs" / "examples"          # attachments are files beside the examples
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


def test_every_procedure_has_an_example():
    covered = {json.loads(p.read_text(encoding="utf-8"))["procedure"] for p in EXAMPLES}
    assert covered == set(load_catalog().procedures)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_builds_and_signs(path: Path, pki):
    from bhxh_desk.signing import otp

    draft = read_draft(path)
    issues = validate(draft)
    assert errors_of(issues) == []
    # Warnings an example may carry by design: codes known only from client software, a 14-HSB request no source
    # names for its procedure, a salary above a ceiling (declared as paid).
    assert {i.code for i in issues} <= {"rule.code_unconfirmed", "rule.request_unconfirmed",
                                        "rule.salary_above_ceiling"}, issues
    procedure = load_catalog().procedure(draft.procedure)
    if procedure.filer == "person":          # individuals confirm with the SMS code instead of a certificate
        data = otp.attach(build_unsigned(draft), otp.OtpAttachment(draft.unit.code, "r1", "123456"))
        assert otp.read(etree.fromstring(data)).code == "123456"
        return
    leaf = pki.leaf(draft.unit.tax_code)
    data = sign_dossier(build_forms(draft), KeySigner(leaf.key, leaf.cert))
    results = verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert])
    assert results and all(r.ok for r in results)


def sick(**changes) -> dict:
    d = json.loads((ROOT / "docs" / "examples" / "630a-om-dau.json").read_text(encoding="utf-8"))
    record = d["forms"]["M01B-HSB"][0]
    record["OmDau"] = [dict(record["OmDau"][0], **changes)]
    return d


def errors(d: dict) -> list[tuple]:
    return [(i.form, i.row, i.field, i.code) for i in errors_of(validate(draft_from_dict(d, EXAMPLES_DIR)))]


def test_630a_column_d_is_required_without_paper():
    assert errors(sick(ma_benh="")) == [("M01B-HSB", 1, "OmDau[1].ma_benh", "rule.kind_needs")]
    d = sick(ma_benh="")
    d["forms"]["M01B-HSB"][0]["NopHoSoGiay"] = "1"           # one yes/no for the dossier, not a column
    assert errors(d) == []
    assert errors(sick(ma_benh="viêm họng")) == [("M01B-HSB", 1, "OmDau[1].ma_benh", "field.pattern")]
    d = sick(ma_benh="")
    del d["forms"]["M01B-HSB"][0]["NopHoSoGiay"]             # empty: no paper goes (the default the clerk sees)
    assert errors(d) == [("M01B-HSB", 1, "OmDau[1].ma_benh", "rule.kind_needs")]


def test_630b_column_d_is_the_childs_birth_date():
    d = json.loads((ROOT / "docs" / "examples" / "630b-thai-san.json").read_text(encoding="utf-8"))
    d["forms"]["M01B-HSB"][0]["ThaiSan"][0].pop("ngay_sinh_con")
    assert errors(d) == [("M01B-HSB", 1, "ThaiSan[1].ngay_sinh_con", "rule.kind_needs")]
    d2 = json.loads((ROOT / "docs" / "examples" / "630b-thai-san.json").read_text(encoding="utf-8"))
    d2["procedure"] = "630c"                  # convalescence carries DuongSuc and DieuChinh only
    assert errors(d2) == [("M01B-HSB", 1, None, "rule.parts_empty"),
                          ("M01B-HSB", 1, "ThaiSan", "rule.part_not_allowed")]


def test_01b_adjustments_name_the_case_and_why_and_days_fit_the_dates():
    d = sick()
    adjust = d["forms"]["M01B-HSB"][0]["DieuChinh"][0]
    adjust.pop("ly_do_dieu_chinh")
    adjust.pop("ten_dot_giai_quyet")
    assert errors(d) == [("M01B-HSB", 1, "DieuChinh[1].ten_dot_giai_quyet", "field.required"),
                         ("M01B-HSB", 1, "DieuChinh[1].ly_do_dieu_chinh", "field.required")]
    d = sick()
    d["forms"]["M01B-HSB"][0]["DieuChinh"][0]["loai"] = "DC_THAI_SAN"      # 630a adjusts sickness cases only
    assert errors(d) == [("M01B-HSB", 1, "DieuChinh[1].loai", "rule.part_kind_not_allowed")]
    assert errors(sick(tong_so_ngay="9")) == [("M01B-HSB", 1, "OmDau[1].tong_so_ngay", "rule.days_exceed")]
    assert errors(sick(den_ngay="01/03/2026")) == [("M01B-HSB", 1, "OmDau[1].den_ngay", "rule.date_order")]
    assert errors(sick(hinh_thuc_nhan="TK", so_tai_khoan="")) == [
        ("M01B-HSB", 1, "OmDau[1].so_tai_khoan", "field.required_if")]


def test_individual_payout_rules():
    d = json.loads((ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json").read_text(encoding="utf-8"))
    d["forms"]["14-HSB"][0].pop("SoTaiKhoan")
    assert errors(d) == [("14-HSB", 1, "SoTaiKhoan", "field.required_if")]
    d["forms"]["14-HSB"][0]["HinhThucNhan"] = "TM"
    assert errors(d) == []
    d["unit"]["phone"] = ""
    assert errors(d) == [("unit", None, "phone", "field.required")]      # the SMS needs a phone


def test_unconfirmed_entries_say_so():
    catalog = load_catalog()
    assert catalog.procedure("CN-1LAN").unconfirmed and catalog.form("14-HSB").unconfirmed
    assert not catalog.procedure("600").unconfirmed


def load(name: str) -> dict:
    return json.loads((ROOT / "docs" / "examples" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "field"), [
    ("CN-XNC-ra-nuoc-ngoai.json", "QuocGiaDinhCu"), ("CN-HUONGTIEP-huong-tiep.json", "LyDoHuongTiep"),
    ("CN-DICHUYEN-di-chuyen.json", "MaTinhChuyenDen"), ("CN-QD91-tro-cap-hang-thang.json", "SoQuyetDinh"),
    ("CN-QD52-nha-giao.json", "NgayQuyetDinh"),
])
def test_each_individual_procedure_requires_its_own_fields(name, field):
    d = load(name)
    d["forms"]["14-HSB"][0].pop(field)
    issues = [i for i in errors_of(validate(draft_from_dict(d, EXAMPLES_DIR))) if i.field == field]
    assert [(i.form, i.row, i.code) for i in issues] == [("14-HSB", 1, "rule.request_needs")]
    assert d["forms"]["14-HSB"][0]["NoiDungYeuCau"] in issues[0].message_vi   # "yêu cầu CHUYEN_NOI_HUONG ..."
    d = load(name)
    d["forms"]["14-HSB"][0]["NoiDungYeuCau"] = "QD52" if d["procedure"] != "CN-QD52" else "QD91"
    assert ("14-HSB", 1, "NoiDungYeuCau", "rule.field_in") in errors(d)     # each procedure files its own request


def test_moving_checks_the_commune_belongs_to_the_new_province():
    d = load("CN-DICHUYEN-di-chuyen.json")
    d["forms"]["14-HSB"][0]["MaXaChuyenDen"] = "26743"       # a commune of Hồ Chí Minh City, not of Hà Nội
    assert errors(d) == [("14-HSB", 1, "MaXaChuyenDen", "field.code_parent")]


def test_survivors_exactly_one_receiver_and_relationship():
    d = load("CN-TUTUAT-tu-tuat.json")
    d["forms"]["M09-HSB"][0]["ThanNhan"][1]["NguoiNhanTien"] = "1"
    assert errors(d) == [("M09-HSB", 1, "ThanNhan", "rule.exactly_one")]
    d = load("CN-TUTUAT-tu-tuat.json")
    d["forms"]["M09-HSB"][0]["ThanNhan"][0]["MoiQuanHe"] = "BAN"
    assert errors(d) == [("M09-HSB", 1, "ThanNhan[1].MoiQuanHe", "field.code_unknown")]


def test_an_agent_filing_for_a_person_is_named_in_the_envelope():
    from bhxh_desk.forms.xmlread import draft_from_envelope

    d = load("CN-TUTUAT-tu-tuat.json")
    back = draft_from_envelope(build_unsigned(draft_from_dict(d, EXAMPLES_DIR)))
    assert back.agent is not None and back.agent.code == "DL0001" and back.agent.tax_code == "0105555555"
    d["agent"]["tax_code"] = "123"
    assert errors(d) == [("agent", None, "tax_code", "field.tax_code"),
                         ("13-HSB", 1, "MaSoThueDuocUyQuyen", "rule.agent_tax_code")]


def test_601_back_payment_is_for_past_months_with_papers():
    d = load("601-truy-dong.json")
    d["forms"]["D02-TS"][0]["tuThang"] = "03/2026"
    d["forms"]["D02-TS"][0]["denThang"] = "03/2026"
    assert errors(d) == [("D02-TS", 1, "tuThang", "rule.before_period")]
    d = load("601-truy-dong.json")
    del d["forms"]["D01-TS"]
    assert errors(d) == [("D01-TS", None, None, "dossier.form_required")]


def test_604_unit_declaration():
    d = load("604-thay-doi-thong-tin.json")
    d["forms"]["TK3-TS"][0]["Email"] = "nhansu@"
    d["forms"]["TK3-TS"][0]["LoaiHinh"] = "ZZ"
    assert errors(d) == [("TK3-TS", 1, "LoaiHinh", "field.code_unknown"), ("TK3-TS", 1, "Email", "field.email")]
