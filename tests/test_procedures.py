"""Every procedure in the catalog: its example validates, builds and signs; and each one's own rules."""

from __future__ import annotations

import copy
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

EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.json"))


def test_every_procedure_has_an_example():
    covered = {json.loads(p.read_text(encoding="utf-8"))["procedure"] for p in EXAMPLES}
    assert covered == set(load_catalog().procedures)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_builds_and_signs(path: Path, pki):
    from bhxh_desk.signing import otp

    draft = read_draft(path)
    issues = validate(draft)
    assert errors_of(issues) == []
    # Warnings an example may carry by design: codes known only from client software, a salary above a
    # ceiling (declared as paid).
    assert {i.code for i in issues} <= {"rule.code_unconfirmed", "rule.salary_above_ceiling"}, issues
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
    d["forms"]["M01B-HSB"] = [dict(d["forms"]["M01B-HSB"][0], **changes)]
    return d


def errors(d: dict) -> list[tuple]:
    return [(i.form, i.row, i.field, i.code) for i in errors_of(validate(draft_from_dict(d)))]


def test_630a_column_d_is_required_without_paper():
    assert errors(sick(ma_benh="")) == [("M01B-HSB", 1, "ma_benh", "rule.required_when")]
    assert errors(sick(ma_benh="", nop_giay="1")) == []
    assert errors(sick(ma_benh="viêm họng")) == [("M01B-HSB", 1, "ma_benh", "field.pattern")]


def test_630b_column_d_is_the_childs_birth_date():
    d = json.loads((ROOT / "docs" / "examples" / "630b-thai-san.json").read_text(encoding="utf-8"))
    d["forms"]["M01B-HSB"][0].pop("ngay_sinh_con")
    assert errors(d) == [("M01B-HSB", 1, "ngay_sinh_con", "rule.required_when")]
    d2 = copy.deepcopy(d)
    d2["procedure"] = "630c"                  # convalescence has no column-D rule
    assert errors(d2) == []


def test_01b_part_ii_needs_a_reason_and_days_fit_the_dates():
    assert errors(sick(phan="II", nop_giay="1")) == [("M01B-HSB", 1, "ly_do_dieu_chinh", "field.required_if")]
    assert errors(sick(tong_so_ngay="9")) == [("M01B-HSB", 1, "tong_so_ngay", "rule.days_exceed")]
    assert errors(sick(den_ngay="01/03/2026")) == [("M01B-HSB", 1, "den_ngay", "rule.date_order")]
    assert errors(sick(hinh_thuc_nhan="TK", so_tai_khoan="")) == [("M01B-HSB", 1, "so_tai_khoan", "field.required_if")]


def test_individual_payout_rules():
    d = json.loads((ROOT / "docs" / "examples" / "CN-1LAN-huong-mot-lan.json").read_text(encoding="utf-8"))
    d["forms"]["M14-HSB"][0].pop("SoTaiKhoan")
    assert errors(d) == [("M14-HSB", 1, "SoTaiKhoan", "field.required_if")]
    d["forms"]["M14-HSB"][0]["HinhThucNhan"] = "TM"
    assert errors(d) == []
    d["unit"]["phone"] = ""
    assert errors(d) == [("unit", None, "phone", "field.required")]      # the SMS needs a phone


def test_unconfirmed_entries_say_so():
    catalog = load_catalog()
    assert catalog.procedure("CN-1LAN").unconfirmed and catalog.form("M14-HSB").unconfirmed
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
    d["forms"]["DN-CN"][0].pop(field)
    issues = [i for i in errors_of(validate(draft_from_dict(d))) if i.field == field]
    assert [(i.form, i.row, i.code) for i in issues] == [("DN-CN", 1, "rule.required_when")]
    assert d["procedure"] in issues[0].message_vi            # "bắt buộc đối với CN-..."


def test_moving_checks_the_commune_belongs_to_the_new_province():
    d = load("CN-DICHUYEN-di-chuyen.json")
    d["forms"]["DN-CN"][0]["MaXaChuyenDen"] = "26743"        # a commune of Hồ Chí Minh City, not of Hà Nội
    assert errors(d) == [("DN-CN", 1, "MaXaChuyenDen", "field.code_parent")]


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
    back = draft_from_envelope(build_unsigned(draft_from_dict(d)))
    assert back.agent is not None and back.agent.code == "DL0001" and back.agent.tax_code == "0105555555"
    d["agent"]["tax_code"] = "123"
    assert errors(d) == [("agent", None, "tax_code", "field.tax_code")]


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
