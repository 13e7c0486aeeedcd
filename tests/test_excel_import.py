"""Excel import's column mapping (forms.columns: header variants from the catalog, unused columns listed, mapping by
hand), its size limits (streamed, a row limit counted, a lying dimension tag), and the command line over real
.xlsx files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.columns import column_letter, header_key, map_columns
from bhxh_desk.forms.excel import MAX_ROWS, ExcelError, import_sheet, list_fields
from tests.conftest import ROOT, example_dict

APP = [sys.executable, "-m", "bhxh_desk.app"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
D02 = list_fields(load_catalog().form("D02-TS"))

VARIANTS = ["STT", "Phương án", "HỌ TÊN", "Số CCCD", "Ngày sinh", "Giới tính", "Chức vụ", "Tiền lương",
            "Từ tháng", "Vùng lương", "Số tài khoản"]


def workbook(path, rows, title="D02-TS"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_header_keys_ignore_accents_case_spaces_and_punctuation():
    assert header_key("Số CCCD/ĐDCN/Hộ chiếu *") == header_key("so cccd - ddcn, ho chieu") == "socccdddcnhochieu"
    assert header_key("  Tiền LƯƠNG ") == header_key("tien_luong") == "tienluong"
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_common_header_variants_map_through_the_catalogs_aliases():
    columns = map_columns(VARIANTS, D02)
    used = {c.header: (c.field, c.how) for c in columns if c.field}
    assert used["Số CCCD"] == ("Cmnd", "alias")
    assert used["Chức vụ"][0] == "chucVu" and used["Tiền lương"][0] == "tienLuong"     # also the XML names
    assert map_columns(["Chức danh"], D02)[0][3:5] == ("chucVu", "alias")
    assert map_columns(["Mức lương"], D02)[0][3:5] == ("tienLuong", "alias")
    assert used["HỌ TÊN"][0] == "Hoten" and used["Phương án"] == ("pa", "label")
    assert [(c.letter, c.header, c.how) for c in columns if c.field is None] == \
        [("A", "STT", "unknown"), ("K", "Số tài khoản", "unknown")]
    for variant in ("so cccd/cmnd", "SỐ CMND/CCCD", "CCCD"):
        assert map_columns([variant], D02)[0].field == "Cmnd"


def test_the_aliases_are_catalog_data_not_code():
    """The variants live in resources/catalog (forms are data): the mapping code names no header."""
    source = (ROOT / "forms" / "columns.py").read_text(encoding="utf-8")
    code = re.sub(r'""".*?"""', "", source, flags=re.S)
    assert "CCCD" not in code and "Chức vụ" not in code and "chucVu" not in code
    assert "Số CCCD" in load_catalog().form("D02-TS").field("Cmnd").aliases


def test_a_second_column_for_the_same_field_is_listed_not_used():
    columns = map_columns(["Họ và tên", "Họ tên"], D02)
    assert (columns[0].field, columns[1].field, columns[1].how, columns[1].matched) == ("Hoten", None, "taken",
                                                                                         "Hoten")


def test_mapping_by_hand_wins_and_can_set_a_column_aside():
    columns = map_columns(["Tên nhân viên", "Số thẻ căn cước", "Chức vụ"], D02, by_hand={"b": "Cmnd", "C": None})
    assert [(c.letter, c.field, c.how) for c in columns] == [("A", "Hoten", "alias"), ("B", "Cmnd", "hand"),
                                                             ("C", None, "hand")]


def test_import_with_variant_headers_shows_every_conversion_and_unused_column(tmp_path):
    path = workbook(tmp_path / "hr.xlsx", [
        ["DANH SÁCH LAO ĐỘNG THÁNG 03/2026"],
        VARIANTS,
        [1, "TM", "NguyÔn V¨n An", 79095001234, "15/04/1995", "1", "Kỹ sư", 15000000, "03/2026", "1", "0123"],
        [2, "TM", "TrÇn ThÞ B×nh", "001098000002", 36101, "0", "Kế toán", 9200000.0, "03/2026", "1", None],
    ])
    result = import_sheet(path, "D02-TS")
    assert not result.refused
    first, second = result.rows
    assert first["Hoten"] == "Nguyễn Văn An" and first["Cmnd"] == "079095001234" and first["chucVu"] == "Kỹ sư"
    assert first["tienLuong"] == "15000000" and second["Ngaysinh"] == "02/11/1998"
    assert sorted(n.code for n in result.converted) == ["excel.date_serial", "excel.legacy_converted",
                                                       "excel.legacy_converted", "excel.zero_restored"]
    (sheet_map,) = result.sheets
    assert sheet_map.header_row == 2
    lines = result.unused_lines("D02-TS")
    assert len(lines) == 2 and "D02-TS!A \"STT\"" in lines[0] and "D02-TS!K \"Số tài khoản\"" in lines[1]
    again = import_sheet(path, "D02-TS", by_hand={"D02-TS": {"K": "ghiChu"}})
    assert again.rows[0]["ghiChu"] == "0123" and len(again.unused_lines("D02-TS")) == 1


def test_data_under_no_header_is_listed(tmp_path):
    path = workbook(tmp_path / "x.xlsx", [["Họ tên", "Số CCCD"], ["An", "079095001234", "ghi chú lạc"]])
    result = import_sheet(path, "D02-TS")
    assert [(c.letter, c.how) for _, c in result.unused()] == [("C", "no_header")]


def rows_xml(count, dimension=None):
    """A sheet's XML of ``count`` data rows under a header, written by hand: fast, and with any dimension tag."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>N{r}</t></is></c>'
                   f'<c r="B{r}" t="inlineStr"><is><t>TM</t></is></c></row>' for r in range(2, count + 2))
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main">{dim}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ tên</t></is>'
            f'</c><c r="B1" t="inlineStr"><is><t>pa</t></is></c></row>{body}</sheetData></worksheet>')


def with_sheet(path, xml):
    """The workbook at ``path`` with its first sheet's XML replaced."""
    with zipfile.ZipFile(path) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, data in items:
            dst.writestr(item.filename, xml if item.filename == "xl/worksheets/sheet1.xml" else data)
    return path


def test_a_lying_dimension_tag_drops_no_row(tmp_path):
    path = with_sheet(workbook(tmp_path / "d.xlsx", [["x"]]), rows_xml(50, dimension="A1:A2"))
    result = import_sheet(path, "D02-TS")
    assert len(result.rows) == 50 and result.rows[-1] == {"Hoten": "N51", "pa": "TM"}


def test_more_rows_than_the_limit_are_refused_while_counting(tmp_path, monkeypatch):
    """The limit itself (100,000 rows) is measured by bench/excel.py on a 1,048,576-row sheet; here a small one."""
    from bhxh_desk.forms import excel

    assert MAX_ROWS == 100_000 and "100.000" in ExcelError("excel.too_many_rows", sheet="S", limit="100.000").message()
    monkeypatch.setattr(excel, "MAX_ROWS", 500)
    path = with_sheet(workbook(tmp_path / "big.xlsx", [["x"]]), rows_xml(501, dimension="A1:B2"))
    with pytest.raises(ExcelError) as info:
        import_sheet(path, "D02-TS")
    assert info.value.code == "excel.too_many_rows" and "500" in info.value.message("vi")
    exact = with_sheet(workbook(tmp_path / "ok.xlsx", [["x"]]), rows_xml(500, dimension="A1:B2"))
    assert len(import_sheet(exact, "D02-TS").rows) == 500


def test_the_import_streams_the_sheet(tmp_path, monkeypatch):
    """Read-only mode: openpyxl never builds the whole sheet in memory."""
    import openpyxl

    seen = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        seen.append(kwargs.get("read_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    import_sheet(workbook(tmp_path / "s.xlsx", [["Họ tên"], ["An"]]), "D02-TS")
    assert seen == [True]


def run(*args):
    return subprocess.run([*APP, *map(str, args)], capture_output=True, text=True, env=ENV, cwd=ROOT)


def test_cli_import_lists_the_columns_it_did_not_use_and_maps_by_hand(tmp_path):
    path = workbook(tmp_path / "hr.xlsx", [
        VARIANTS,
        [1, "TM", "NguyÔn V¨n An", 79095001234, "15/04/1995", "1", "Kỹ sư", 15000000, "03/2026", "1", "0123"],
    ])
    r = run("import", path, "--form", "D02-TS")
    assert r.returncode == 0, r.stderr
    assert 'D02-TS!A "STT"' in r.stderr and 'D02-TS!K "Số tài khoản"' in r.stderr and "không được nhập" in r.stderr
    rows = json.loads(r.stdout)["D02-TS"]
    assert rows[0]["Cmnd"] == "079095001234" and rows[0]["chucVu"] == "Kỹ sư" and "ghiChu" not in rows[0]
    r = run("import", path, "--form", "D02-TS", "--column", "K=ghiChu", "--column", "A=")
    assert r.returncode == 0 and json.loads(r.stdout)["D02-TS"][0]["ghiChu"] == "0123"
    assert '"STT"' not in r.stderr                 # set aside by hand: the user's own choice
    r = run("import", path, "--form", "D02-TS", "--column", "K=soTaiKhoan")
    assert r.returncode != 0 and "K=soTaiKhoan" in r.stderr and "Traceback" not in r.stderr


def test_cli_import_into_refuses_a_draft_over_the_read_limit_before_writing(tmp_path):
    """``import --into`` once wrote a 73 MB draft that the app's 64 MB read limit then refused to open."""
    d = example_dict()
    d["forms"]["D02-TS"] = [{"Hoten": "x" * 500, "chucVu": "y" * 500, "ghiChu": "z" * 500}] * 30_000
    draft = tmp_path / "big.json"
    draft.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    before = draft.read_bytes()
    assert len(before) < 64 * 2**20
    xlsx = with_sheet(workbook(tmp_path / "more.xlsx", [["x"]]), rows_xml(20_000).replace(
        "<t>TM</t>", "<t>" + "w" * 1000 + "</t>").replace('<t>pa</t>', "<t>Ghi chú</t>"))
    r = run("import", xlsx, "--form", "D02-TS", "--into", draft)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "64 MB" in r.stderr and str(draft) in r.stderr
    assert draft.read_bytes() == before
    assert not list(tmp_path.glob(".*"))          # no temporary file left behind either


def test_no_draft_is_written_that_the_reader_would_refuse(tmp_path):
    """forms.draft.write_draft (import --into, the window's export, drafts export) checks the size first."""
    from bhxh_desk.forms.draft import MAX_DRAFT_BYTES, draft_from_dict, read_draft, write_draft
    from bhxh_desk.forms.errors import DraftError

    d = example_dict()
    d["forms"]["D02-TS"] = [{"Hoten": "x" * 1000}] * (MAX_DRAFT_BYTES // 1000)
    target = tmp_path / "d.json"
    with pytest.raises(DraftError) as info:
        write_draft(draft_from_dict(d), target)
    assert info.value.code == "draft.would_be_too_large" and not list(tmp_path.iterdir())
    d["forms"]["D02-TS"] = d["forms"]["D02-TS"][:1000]
    write_draft(draft_from_dict(d), target)
    assert len(read_draft(target).forms["D02-TS"]) == 1000
