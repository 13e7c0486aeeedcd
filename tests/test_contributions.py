"""What a dossier costs, per row and per fund (forms.contributions, forms.rates, forms.fund_rates), the salary
floor of the validator, and ``bhxh-desk contributions``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from datetime import date

import pytest

from bhxh_desk.forms import fund_rates, rates
from bhxh_desk.forms.catalog import code_list
from bhxh_desk.forms.contributions import Funds, code_funds, compute
from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.resources import resource
from bhxh_desk.forms.validate import Severity, validate
from tests.conftest import ROOT, minimal_dict

PERSON = {"pa": "TM", "Hoten": "Lê Văn Cao", "Masobhxh": "0123456789", "Ngaysinh": "12/05/1980", "Gioitinh": "1",
          "chucVu": "Kỹ sư", "maVungLTT": "01"}


def dossier(period: str, *rows: dict, tk1: tuple[dict, ...] = ()) -> dict:
    d = minimal_dict()
    d["period"] = period
    d["forms"] = {"D02-TS": [{**PERSON, "tuThang": period, **r} for r in rows]}
    if tk1:
        d["forms"]["TK1-TS"] = list(tk1)
    return d


def owed(period: str, *rows: dict, **kw):
    tk1 = kw.pop("tk1", ())
    return compute(draft_from_dict(dossier(period, *rows, tk1=tk1)), **kw)


def one(period: str, row: dict, **kw):
    (r,) = owed(period, row, **kw).rows
    return r


# ---------------------------------------------------------------- the issue's figures

def test_the_80_million_example_comes_out_as_the_issue_states():
    result = owed("12/2026", {"tienLuong": "80.000.000"})
    (row,) = result.as_json()["rows"]
    assert row["basis"] == {"bhxh": 50_600_000, "bhyt": 50_600_000, "bhtn": 80_000_000, "bhtnld": 50_600_000}
    assert row["employee"] == {"bhxh": 4_048_000, "bhyt": 759_000, "bhtn": 800_000}
    assert row["employer"] == {"bhxh": 8_602_000, "bhyt": 1_518_000, "bhtn": 800_000, "bhtnld": 253_000}
    assert result.as_json()["totals"] == {"employee": 4_048_000 + 759_000 + 800_000, "employer": 11_173_000}


@pytest.mark.parametrize(("period", "basis"), [("07/2026", 8_930_900), ("06/2026", 8_260_200)])
def test_coefficient_salary_uses_the_months_base_salary(period, basis):
    r = one(period, {"pa": "DC", "tienLuong": "3,33", "phuCapCV": "0,2"})
    assert r.current.basis.bhxh == r.current.basis.bhyt == r.current.basis.bhtnld == basis


def test_rounding_is_half_up_to_the_dong_per_fund_and_row():
    r = one("07/2026", {"pa": "DC", "tienLuong": "3,33", "phuCapCV": "0,2"})
    assert r.current.employee.bhyt == 133_964              # 1.5% of 8,930,900 = 133,963.5
    assert r.current.employer.bhtnld == 44_655             # 0.5% of 8,930,900 = 44,654.5
    assert r.current.employee.bhxh == 714_472              # 8% = 714,472 exactly


def test_coefficient_allowances_in_percent():
    # 4.98 + 0.3 position; above-scale 5% of 4.98 = 0.249; seniority 10% of (4.98 + 0.3 + 0.249) = 0.5529
    r = one("07/2026", {"pa": "DC", "tienLuong": "4,98", "phuCapCV": "0,3", "phuCapTNVK": "5", "phuCapTNNghe": "10"})
    assert r.current.basis.bhxh == round((4.98 + 0.3 + 0.249 + 0.5529) * 2_530_000)


def test_amount_allowances_count_in_the_basis():
    r = one("07/2026", {"tienLuong": "10.000.000", "phuCapLuong": "1.000.000", "phuCapBoSung": "500.000"})
    assert r.current.basis.bhxh == 11_500_000


# ---------------------------------------------------------------- ceilings, each on its own

def test_bhxh_and_bhtnld_cap_at_20_times_the_reference_level():
    assert one("06/2026", {"tienLuong": "60.000.000"}).current.basis.bhxh == 46_800_000
    assert one("07/2026", {"tienLuong": "60.000.000"}).current.basis.bhtnld == 50_600_000
    assert rates.ceiling("bhxh", date(2026, 7, 1)).source.startswith("Luật BHXH 41/2024")
    assert "58/2014" in rates.ceiling("bhxh", date(2025, 6, 1)).source        # before the 2024 law: lương cơ sở


def test_bhyt_caps_at_20_times_the_base_salary():
    assert one("12/2026", {"tienLuong": "60.000.000"}).current.basis.bhyt == 20 * 2_530_000
    assert rates.ceiling("bhyt", date(2019, 7, 1)).amount == 20 * 1_490_000


@pytest.mark.parametrize(("zone", "cap"), [("01", 106_200_000), ("02", 94_600_000), ("03", 82_800_000),
                                          ("04", 74_000_000), ("4", 74_000_000)])
def test_bhtn_caps_at_20_times_the_zone_minimum(zone, cap):
    r = one("12/2026", {"tienLuong": "200.000.000", "maVungLTT": zone})
    assert r.current.basis.bhtn == cap
    assert r.current.employee.bhtn == cap // 100


def test_bhtn_of_a_coefficient_row_caps_at_20_times_the_base_salary():
    r = one("12/2026", {"pa": "DC", "tienLuong": "25", "maVungLTT": "01"})
    assert r.current.basis.bhtn == 50_600_000 == r.current.basis.bhxh
    assert rates.ceiling("bhtn", date(2025, 3, 1), zone="1", coefficient=True).amount == 46_800_000


def test_a_row_without_zone_is_capped_at_zone_I_and_says_so():
    r = one("12/2026", {"tienLuong": "200.000.000", "maVungLTT": ""})
    assert r.current.basis.bhtn == 106_200_000 and "contributions.no_zone" in r.notes


# ---------------------------------------------------------------- the floor and the ceiling in validation

def salary_issues(d: dict):
    return [i for i in validate(draft_from_dict(d)) if i.code.startswith("rule.salary")]


def test_a_salary_above_every_ceiling_is_valid():
    issues = salary_issues(dossier("12/2026", {"tienLuong": "200.000.000"}))
    assert [(i.code, i.severity) for i in issues] == [("rule.salary_above_ceiling", Severity.WARNING)]


@pytest.mark.parametrize(("month", "lowest"), [("06/2022", 4_420_000), ("07/2022", 4_680_000),
                                               ("12/2019", 4_180_000), ("03/2018", 3_980_000)])
def test_the_floor_is_the_zone_minimum_of_the_rows_month(month, lowest):
    assert salary_issues(dossier(month, {"tienLuong": str(lowest), "tuThang": month})) == []
    (issue,) = salary_issues(dossier(month, {"tienLuong": str(lowest - 1), "tuThang": month}))
    assert issue.code == "rule.salary_below_minimum" and issue.severity is Severity.ERROR


@pytest.mark.parametrize("zone", ["1", "01"])
def test_old_and_new_zone_codes_give_the_same_floor(zone):
    assert rates.salary_floor(zone, date(2026, 3, 1)).amount == 5_310_000
    assert rates.regional_minimum(zone, date(2026, 3, 1)).source == "NĐ 293/2025/NĐ-CP"
    assert rates.zone_key("05") is None and rates.zone_key("K1") is None


def test_the_trained_worker_floor_ends_on_1_7_2022():
    assert rates.salary_floor("01", date(2022, 6, 1), trained=True).amount == 4_729_400      # 4,420,000 × 1.07
    assert rates.salary_floor("04", date(2018, 1, 1), trained=True).amount == 2_953_200
    assert rates.salary_floor("01", date(2022, 7, 1), trained=True).amount == 4_680_000


# ---------------------------------------------------------------- temporary cuts

@pytest.mark.parametrize(("month", "tnld", "bhtn"), [
    ("06/2021", 50_000, 100_000), ("07/2021", 0, 100_000), ("10/2021", 0, 0), ("06/2022", 0, 0),
    ("07/2022", 50_000, 0), ("09/2022", 50_000, 0), ("10/2022", 50_000, 100_000)])
def test_the_2021_2022_cuts(month, tnld, bhtn):
    r = one(month, {"tienLuong": "10.000.000", "tuThang": month})
    assert (r.current.employer.bhtnld, r.current.employer.bhtn) == (tnld, bhtn)
    assert r.current.employee.bhtn == 100_000 and r.current.basis.bhtnld == 10_000_000


def test_a_budget_funded_unit_had_no_cuts():
    r = one("11/2021", {"tienLuong": "10.000.000", "tuThang": "11/2021"}, budget_funded=True)
    assert (r.current.employer.bhtnld, r.current.employer.bhtn) == (50_000, 100_000)


# ---------------------------------------------------------------- foreign workers

def test_a_passport_number_means_no_bhtn():
    r = one("12/2026", {"tienLuong": "30.000.000", "Masobhxh": "", "Cmnd": "B1234567"})
    assert r.foreign and r.current.basis.bhtn == r.current.employee.bhtn == r.current.employer.bhtn == 0
    assert r.current.employee.bhxh == 2_400_000 and r.current.employer.bhxh == 5_100_000


def test_nationality_from_the_dossiers_tk1():
    american = {"HoTen": "Lê Văn Cao", "QuocTich": "US", "MasoBHXH": "0123456789"}
    vietnamese = dict(american, QuocTich="VN")
    assert one("12/2026", {"tienLuong": "30.000.000"}, tk1=(american,)).current.employee.bhtn == 0
    assert one("12/2026", {"tienLuong": "30.000.000"}, tk1=(vietnamese,)).current.employee.bhtn == 300_000
    by_cccd = {"HoTen": "X", "QuocTich": "KR", "CMND": "079123456789"}
    r = one("12/2026", {"tienLuong": "30.000.000", "Masobhxh": "", "Cmnd": "079123456789"}, tk1=(by_cccd,))
    assert r.foreign


def test_the_caller_can_say_who_is_foreign():
    row = {"tienLuong": "30.000.000"}
    assert one("12/2026", row, foreign={"0123456789"}).foreign
    assert one("12/2026", row, foreign=lambda person: person.name == "Lê Văn Cao").foreign
    assert not one("12/2026", row, foreign={"9999999999"}).foreign


def test_before_2022_a_foreign_worker_paid_no_pension_share():
    r = one("06/2021", {"tienLuong": "20.000.000", "tuThang": "06/2021", "Cmnd": "B1234567"})
    assert r.current.employee.bhxh == 0 and r.current.employer.bhxh == 600_000          # 3% sickness only
    assert r.current.employer.bhtnld == 100_000 and r.current.employer.bhtn == 0
    assert one("01/2022", {"tienLuong": "20.000.000", "tuThang": "01/2022", "Cmnd": "B1234567"}
               ).current.employee.bhxh == 1_600_000


# ---------------------------------------------------------------- back months

def test_back_months_each_with_their_own_rates():
    r = one("12/2026", {"pa": "AD", "tienLuong": "3,33", "tuThang": "05/2026", "denThang": "08/2026"})
    assert [str(m.month) for m in r.back] == ["05/2026", "06/2026", "07/2026", "08/2026"]
    assert [m.basis.bhxh for m in r.back] == [7_792_200, 7_792_200, 8_424_900, 8_424_900]
    assert r.current.basis == Funds()                     # the row ended before the dossier's period
    assert r.employee_total == sum(m.employee.total for m in r.back)


def test_a_late_new_join_pays_its_earlier_months_too():
    result = owed("07/2026", {"tienLuong": "50.000.000", "tuThang": "06/2026"})
    (r,) = result.rows
    assert [m.basis.bhxh for m in r.back] == [46_800_000] and r.current.basis.bhxh == 50_000_000
    (row,) = result.as_json()["rows"]
    assert row["back"][0]["month"] == "06/2026" and row["back"][0]["employee"]["bhxh"] == 3_744_000
    assert result.as_json()["totals"]["employee"] == r.employee_total


def test_back_months_across_a_cut():
    r = one("08/2021", {"pa": "AD", "tienLuong": "10.000.000", "tuThang": "06/2021", "denThang": "07/2021"})
    assert [m.employer.bhtnld for m in r.back] == [50_000, 0]


def test_no_back_list_when_the_row_starts_in_the_period():
    assert "back" not in owed("12/2026", {"tienLuong": "10.000.000"}).as_json()["rows"][0]


# ---------------------------------------------------------------- what each code touches

@pytest.mark.parametrize("code", ["GH", "GC", "GD", "KL", "TS", "OF"])
def test_leaving_rows_are_listed_with_zeros(code):
    result = owed("12/2026", {"pa": code, "tienLuong": "10.000.000"})
    (row,) = result.as_json()["rows"]
    assert row["row"] == 1 and not any(row["basis"].values()) and not any(row["employer"].values())
    assert result.employee_total == result.employer_total == 0


@pytest.mark.parametrize(("code", "funds"), [("TT", {"bhyt"}), ("TU", {"bhyt"}), ("DN", {"bhtn"}),
                                             ("DL", {"bhtnld"})])
def test_codes_that_touch_some_funds(code, funds):
    r = one("12/2026", {"pa": code, "tienLuong": "10.000.000"})
    assert {f for f, v in r.current.basis.as_dict().items() if v} == funds


def test_decreases_for_past_months_are_negative():
    r = one("12/2026", {"pa": "TU", "tienLuong": "10.000.000"})
    assert r.current.employee.bhyt == -150_000 and r.current.employer.bhyt == -300_000
    assert code_funds("SB").sign == -1 and code_funds("TM").sign == 1


def test_every_change_code_says_which_funds_it_touches():
    with resource("rates", "phuong_an_funds.toml").open("rb") as fh:
        table = tomllib.load(fh)["codes"]
    assert set(code_list("phuong_an").entries) <= set(table)


# ---------------------------------------------------------------- the data carries its sources

@pytest.mark.parametrize("name", ["base_salary", "regional_minimum", "contributions"])
def test_every_rate_has_a_source_and_a_confidence(name):
    with resource("rates", f"{name}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    for entry in [*data["periods"], *data.get("cuts", []), *data.get("foreign", [])]:
        assert entry["source"] and entry["confidence"] in ("P", "S", "U"), entry
        assert entry["confirmed"] is (entry["confidence"] == "P"), entry


def test_the_base_salary_from_1_7_2026():
    r = rates.base_salary(date(2026, 7, 1))
    assert (r.amount, r.source, r.confirmed) == (2_530_000, "NĐ 161/2026/NĐ-CP", False)
    assert rates.base_salary(date(2026, 6, 30)).amount == 2_340_000
    assert rates.base_salary(date(2017, 7, 1)).amount == 1_300_000
    assert rates.reference_level(date(2025, 6, 1)) is None
    assert rates.reference_level(date(2025, 7, 1)).amount == 2_340_000


def test_employer_bhxh_is_pension_and_sickness():
    shares = fund_rates.month_rates(date(2026, 12, 1))
    assert shares.employer.pension + shares.employer.sickness == 17 and shares.employer.tnld == 0.5


# ---------------------------------------------------------------- the command

def run_cli(*args: str):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", "contributions", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def test_cli_json_has_exactly_the_issues_shape(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dossier("12/2026", {"tienLuong": "80.000.000"},
                                       {"pa": "AD", "tienLuong": "10.000.000", "tuThang": "10/2026",
                                        "denThang": "11/2026"})), encoding="utf-8")
    r = run_cli(str(path), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert list(data) == ["period", "rows", "totals"] and data["period"] == "12/2026"
    first, second = data["rows"]
    assert list(first) == ["form", "row", "basis", "employee", "employer"]
    assert list(first["basis"]) == ["bhxh", "bhyt", "bhtn", "bhtnld"]
    assert list(first["employee"]) == ["bhxh", "bhyt", "bhtn"]
    assert list(first["employer"]) == ["bhxh", "bhyt", "bhtn", "bhtnld"]
    assert list(second) == ["form", "row", "basis", "employee", "employer", "back"]
    assert [list(b) for b in second["back"]] == [["month", "basis", "employee", "employer"]] * 2
    assert data["totals"] == {"employee": 5_607_000 + 2 * 1_050_000, "employer": 11_173_000 + 2 * 2_150_000}
    values = [v for row in data["rows"] for part in ("basis", "employee", "employer") for v in row[part].values()]
    assert all(type(v) is int for v in values)


def test_cli_text_is_a_table_in_vietnamese_formats(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dossier("12/2026", {"tienLuong": "80.000.000"})), encoding="utf-8")
    r = run_cli(str(path))
    assert r.returncode == 0, r.stderr
    assert "50.600.000" in r.stdout and "11.173.000" in r.stdout and "01/07/2026" in r.stdout
    assert "NĐ 161/2026/NĐ-CP" in r.stdout
    assert "Unit" in run_cli(str(path), "--lang", "en").stdout


def test_cli_unreadable_draft_is_one_translated_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    r = run_cli(str(path), "--lang", "en")
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()
    bad_period = tmp_path / "p.json"
    d = dossier("12/2026", {"tienLuong": "10.000.000"})
    d["period"] = "2026-12"
    bad_period.write_text(json.dumps(d), encoding="utf-8")
    r = run_cli(str(bad_period))
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.strip()
