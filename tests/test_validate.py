"""Each kind of mistake is reported once, on the right form, row and field (forms.validate)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.errors import DraftError
from bhxh_desk.forms.validate import Severity, errors_of, validate
from tests.conftest import example_dict, minimal_dict


def issues_of(d: dict):
    return validate(draft_from_dict(d))


def only_error(d: dict):
    errs = errors_of(issues_of(d))
    assert len(errs) == 1, [(e.where(), e.code) for e in errs]
    return errs[0]


def test_example_is_valid():
    assert issues_of(example_dict()) == []


def test_minimal_is_valid():
    assert issues_of(minimal_dict()) == []


def row(d: dict, **changes) -> dict:
    d["forms"]["D02-TS"][0].update(changes)
    return d


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"Masobhxh": "012345678"}, "Masobhxh", "field.bhxh_id"),
        ({"Masobhxh": ""}, "Masobhxh", "rule.code_needs_one_of"),
        ({"Hoten": ""}, "Hoten", "field.required"),
        ({"Ngaysinh": "31/02/1990"}, "Ngaysinh", "field.birthdate_not_exist"),
        ({"Gioitinh": "3"}, "Gioitinh", "field.code_unknown"),
        ({"pa": "XX"}, "pa", "field.code_unknown"),
        ({"tuThang": "2026-03"}, "tuThang", "field.period"),
        ({"Cmnd": "12345"}, "Cmnd", "field.personal_id"),
        ({"Hoten": "Phạm\x00Huy"}, "Hoten", "field.control_char"),
        ({"maVungLTT": "5"}, "maVungLTT", "field.code_unknown"),
        ({"maVungSS": "1"}, "maVungSS", "field.code_unknown"),
        ({"tienLuong": "abc"}, "tienLuong", "field.salary"),
        ({"noGoodField": "x"}, "noGoodField", "field.unknown"),
    ],
)
def test_field_mistakes_are_reported_once_on_their_field(changes, field, code):
    issue = only_error(row(minimal_dict(), **changes))
    assert (issue.form, issue.row, issue.field, issue.code) == ("D02-TS", 1, field, code)
    assert issue.message_vi and issue.message_en and issue.message_vi != issue.message_en


def test_salary_below_regional_minimum_for_the_period():
    # 5.000.000 is above zone I's minimum in 2025 (4.960.000) but below 2026's (5.310.000).
    d = row(minimal_dict(), tienLuong="5.000.000", tuThang="12/2025")
    d["period"] = "12/2025"
    assert issues_of(d) == []
    issue = only_error(row(minimal_dict(), tienLuong="5.000.000", tuThang="03/2026"))
    assert (issue.field, issue.code) == ("tienLuong", "rule.salary_below_minimum")
    assert "5.310.000" in issue.message_vi and "NĐ 293/2025" in issue.message_vi


def test_salary_minimum_depends_on_zone():
    assert issues_of(row(minimal_dict(), tienLuong="4.000.000", maVungLTT="04")) == []
    assert only_error(row(minimal_dict(), tienLuong="4.000.000", maVungLTT="03")).code == "rule.salary_below_minimum"


def test_salary_above_ceiling_is_valid_with_a_warning():
    ceiling = 20 * 2_340_000
    assert issues_of(row(minimal_dict(), tienLuong=str(ceiling))) == []
    d = row(minimal_dict(), tienLuong=str(ceiling + 1))
    assert errors_of(issues_of(d)) == []
    (issue,) = issues_of(d)
    assert (issue.field, issue.code, issue.severity) == ("tienLuong", "rule.salary_above_ceiling", Severity.WARNING)
    assert "46.800.000" in issue.message_vi


def test_coefficient_salary_ceiling_and_allowances():
    assert issues_of(row(minimal_dict(), tienLuong="4,98", phuCapCV="0,3")) == []
    d = row(minimal_dict(), tienLuong="20,01")
    assert errors_of(issues_of(d)) == [] and [i.code for i in issues_of(d)] == ["rule.salary_above_ceiling"]
    issue = only_error(row(minimal_dict(), phuCapCV="0,3"))
    assert (issue.field, issue.code) == ("phuCapCV", "rule.allowance_needs_coefficient")


def test_no_rate_table_for_old_period():
    d = row(minimal_dict(), tuThang="01/2010")
    d["period"] = "01/2010"
    issue = only_error(d)
    assert (issue.field, issue.code) == ("tienLuong", "rule.no_rate_for_period")


def test_period_order():
    assert issues_of(row(minimal_dict(), denThang="03/2026")) == []
    issue = only_error(row(minimal_dict(), denThang="02/2026"))
    assert (issue.row, issue.field, issue.code) == (1, "denThang", "rule.period_order")


def test_late_change_needs_d01():
    d = row(minimal_dict(), tuThang="01/2026")
    issue = only_error(d)
    assert (issue.form, issue.row, issue.field, issue.code) == ("D02-TS", 1, "tuThang", "rule.late_needs_papers")
    d["forms"]["D01-TS"] = example_dict()["forms"]["D01-TS"]
    assert issues_of(d) == []


def test_late_change_reported_once_for_many_rows():
    d = minimal_dict()
    base = d["forms"]["D02-TS"][0]
    d["forms"]["D02-TS"] = [dict(base, Masobhxh=f"01234567{i:02d}", tuThang="12/2025") for i in range(5)]
    issue = only_error(d)
    assert issue.code == "rule.late_needs_papers" and issue.row == 1 and "(5" in issue.message_vi


def test_same_month_is_not_late():
    assert issues_of(row(minimal_dict(), tuThang="03/2026")) == []
    assert issues_of(row(minimal_dict(), tuThang="04/2026")) == []


def test_duplicate_bhxh_id_reported_on_the_second_row():
    d = minimal_dict()
    d["forms"]["D02-TS"].append(dict(d["forms"]["D02-TS"][0], Hoten="Người khác"))
    issue = only_error(d)
    assert (issue.row, issue.field, issue.code) == (2, "Masobhxh", "rule.duplicate")
    assert "dòng 1" in issue.message_vi


def test_new_join_without_id_needs_tk1():
    d = example_dict()
    del d["forms"]["TK1-TS"]
    issue = only_error(d)
    assert (issue.form, issue.row, issue.field, issue.code) == ("D02-TS", 1, "Masobhxh", "rule.new_needs_declaration")


def test_new_join_matches_tk1_by_name_and_birth_date_when_no_id():
    d = example_dict()
    del d["forms"]["D02-TS"][0]["Cmnd"]
    assert issues_of(d) == []
    d["forms"]["TK1-TS"][0]["NgaySinh"] = "16/04/1995"
    assert only_error(d).code == "rule.new_needs_declaration"


def test_new_join_matches_despite_case_and_decomposed_text():
    d = example_dict()
    del d["forms"]["D02-TS"][0]["Cmnd"]
    d["forms"]["D02-TS"][0]["Hoten"] = unicodedata.normalize("NFD", "TRẦN  VĂN MINH")
    assert issues_of(d) == []


def test_required_form_missing():
    d = minimal_dict()
    d["forms"] = {}
    issue = only_error(d)
    assert (issue.form, issue.code) == ("D02-TS", "dossier.form_required")


def test_form_not_in_procedure():
    d = minimal_dict()
    d["forms"]["D05-TS"] = [{}]
    assert only_error(d).code == "dossier.form_not_allowed"


def test_unknown_procedure_and_bad_period():
    d = minimal_dict()
    d["procedure"] = "999"
    d["period"] = "2026"
    codes = sorted(i.code for i in issues_of(d))
    assert codes == ["dossier.period", "dossier.unknown_procedure"]


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [("tax_code", "12345", "field.tax_code"), ("code", "", "field.required"),
     ("agency_code", "7906", "field.pattern"), ("phone", "12", "field.phone")],
)
def test_unit_mistakes(key, value, code):
    d = minimal_dict()
    d["unit"][key] = value
    issue = only_error(d)
    assert (issue.form, issue.row, issue.field, issue.code) == ("unit", None, key, code)


def test_commune_must_belong_to_province():
    d = example_dict()
    d["forms"]["TK1-TS"][0]["Maxa_KS"] = "00004"      # Phường Ba Đình, Hà Nội
    issue = only_error(d)
    assert (issue.form, issue.field, issue.code) == ("TK1-TS", "Maxa_KS", "field.code_parent")


def test_nested_household_field_named_by_path():
    d = example_dict()
    d["forms"]["TK1-TS"][0]["PhuLuc"]["DSThanhVien"][1]["NgaySinh"] = "99/99/1995"
    issue = only_error(d)
    assert (issue.form, issue.row, issue.field) == ("TK1-TS", 1, "PhuLuc.DSThanhVien[2].NgaySinh")


def test_retired_district_field_must_stay_empty():
    d = example_dict()
    d["forms"]["TK1-TS"][0]["Mahuyen_KS"] = "760"
    issue = only_error(d)
    assert (issue.field, issue.code) == ("Mahuyen_KS", "field.retired")


def test_unlisted_hospital_is_a_warning_not_an_error():
    d = example_dict()
    d["forms"]["TK1-TS"][0]["MaBenhVien"] = "79001"
    issues = issues_of(d)
    assert [(i.code, i.severity) for i in issues] == [("field.code_unlisted", Severity.WARNING)]
    d["forms"]["TK1-TS"][0]["MaBenhVien"] = "abc"
    assert only_error(d).code == "field.code_unknown"


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(
    json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=10
)
d02_keys = st.sampled_from(["pa", "Hoten", "Masobhxh", "Ngaysinh", "Gioitinh", "tienLuong", "tuThang", "denThang",
                            "maVungSS", "maVungLTT", "phuCapCV", "Cmnd", "tyLeDong", "daCoSo", "other"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(d02_keys, json_values, max_size=8), max_size=4),
       st.lists(st.dictionaries(st.sampled_from(["HoTen", "PhuLuc", "NgaySinh", "CMND"]), json_values), max_size=2))
def test_validator_never_raises_on_arbitrary_rows(d02, tk1):
    d = minimal_dict()
    d["forms"] = {"D02-TS": d02, "TK1-TS": tk1}
    try:
        draft = draft_from_dict(d)
    except DraftError as exc:          # a wrong shape is refused whole, with a message
        assert exc.message("vi") and exc.code.startswith("draft.")
        return
    for issue in validate(draft):
        assert issue.code and issue.message_vi and issue.message_en


# ---------------------------------------------------------------- the column path is the row path

_BAD_CELLS = [("Masobhxh", "12345"), ("Masobhxh", "079100000001"), ("Masobhxh", 7900000001), ("Ngaysinh", "31/02/1990"),
              ("Ngaysinh", "1990"), ("Ngaysinh", "01/01/2090"), ("Hoten", "  An  "), ("Hoten", "A\tB"),
              ("Hoten", "e\u0301"), ("Hoten", ""), ("Hoten", None), ("pa", "ZZ"), ("Gioitinh", "7"),
              ("tienLuong", "abc"), ("tienLuong", ""), ("tienLuong", "2,34"), ("tienLuong", 6000000),
              ("maVungLTT", "9"), ("Cmnd", "079100000000"), ("Cmnd", "AB123456"), ("tuThang", "13/2026"),
              ("phuCapCV", "150"), ("Extra", "x"), ("ghiChu", "x" * 2000), ("chucVu", ["a list"]),
              ("daCoSo", "1"), ("daCoSo", "5"), ("tinhLai", ""), ("HdldTungay", "01/04/2026"),
              ("HdldXdthDenngay", "01/01/2020"), ("HdldXdthTungay", "01/02/2020")]


def _filled(parsed: list[dict]) -> list[dict]:
    """Parsed rows without their None values: a field no row fills may be absent instead (readers use .get)."""
    return [{k: v for k, v in row.items() if v is not None} for row in parsed]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 59), st.sampled_from(_BAD_CELLS)), max_size=25))
def test_checking_by_column_reports_exactly_what_checking_row_by_row_does(changes):
    """forms.validate.check_rows takes a shortcut for rows with nothing to report; whatever the rows hold,
    its issues (their messages and their order) and parsed values are those of check_fields row by row."""
    from bench.data import d02_rows
    from bhxh_desk.forms.catalog import load_catalog
    from bhxh_desk.forms.validate import Report, _rows_one_by_one, check_rows

    rows = d02_rows(60, seed=5)
    for i, (name, value) in changes:
        rows[i][name] = value
    fields = load_catalog().form("D02-TS").fields
    by_column, by_row = Report(), Report()
    parsed = check_rows("D02-TS", fields, [dict(r) for r in rows], by_column)
    assert _filled(parsed) == _filled(_rows_one_by_one("D02-TS", fields, [dict(r) for r in rows], by_row, None))
    assert by_column.issues == by_row.issues


def test_every_kind_of_bad_cell_at_once_by_column_and_by_row():
    from bench.data import d02_rows
    from bhxh_desk.forms.catalog import load_catalog
    from bhxh_desk.forms.validate import Report, _rows_one_by_one, check_rows

    rows = d02_rows(len(_BAD_CELLS) + 5, seed=9)
    for i, (name, value) in enumerate(_BAD_CELLS):
        rows[i][name] = value
    fields = load_catalog().form("D02-TS").fields
    by_column, by_row = Report(), Report()
    assert _filled(check_rows("D02-TS", fields, rows, by_column)) == _filled(
        _rows_one_by_one("D02-TS", fields, rows, by_row, None))
    assert by_column.issues == by_row.issues and len({i.row for i in by_row.issues}) >= 15
