"""Excel in and out for every list form, driven by the catalog (openpyxl).

Export writes one sheet per form: a title row, the Vietnamese column labels in the catalog's (paper) order,
a row of XML field names that import reads back, then the rows, every cell as text so that leading zeros
survive. Import reads any sheet whose columns carry either those field names or the labels, and repairs
what Excel does to Vietnamese data, reporting each repair:

- IDs that Excel turned into numbers get their leading zeros back when only one length fits the field
  (a 9-digit mã số BHXH can only be a 10-digit one without its 0); otherwise the cell is refused;
- dates stored as Excel serials or date cells become dd/mm/yyyy, months MM/yyyy;
- text typed in the TCVN3 or VNI legacy fonts becomes Unicode NFC;
- amounts stored as numbers become whole dong.

An import never half-applies: any refused cell (named by sheet, row and column) refuses the whole file.
Zip bombs are refused before openpyxl opens the file.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bhxh_desk.forms.catalog import Catalog, load_catalog
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.legacy_text import convert, scores
from bhxh_desk.forms.model import Field, FieldType, Form

MAX_FILE = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100
ID_LENGTHS = {FieldType.BHXH_ID: (10,), FieldType.PERSONAL_ID: (12, 9), FieldType.TAX_CODE: (10,)}


class ExcelError(BhxhError):
    default_code = "excel.unreadable"


@dataclass(frozen=True, slots=True)
class CellNote:
    sheet: str
    row: int
    column: str
    field: str
    code: str             # excel.zero_restored, excel.legacy_converted, excel.date_serial, ... or excel.refused_*
    detail: str

    def message(self, lang: str = "vi") -> str:
        from bhxh_desk.forms.messages import render

        return render(self.code, lang, sheet=self.sheet, row=self.row, column=self.column, field=self.field,
                      detail=self.detail)


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    converted: list[CellNote] = field(default_factory=list)
    refused: list[CellNote] = field(default_factory=list)


def list_fields(form: Form | Field) -> list[Field]:
    return [f for f in form.fields if not f.nested and f.type is not FieldType.SEQ]


def part_tables(form: Form) -> list[Field]:
    """A form in parts (01B-HSB: kind "parts") is one record whose nested lists are its parts: one sheet each."""
    return [f for f in form.fields if f.type is FieldType.TABLE] if form.kind == "parts" else []


def part_sheet(form: Form, table: Field) -> str:
    return f"{form.code} {table.name}"[:31]


# ---------------------------------------------------------------- export

def export(rows_by_form: dict[str, list[dict[str, Any]]], path: Path, catalog: Catalog | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    catalog = catalog or load_catalog()
    wb = Workbook()
    wb.remove(wb.active)
    sheets: list[tuple[str, str, list[Field], list[dict[str, Any]]]] = []
    for code, rows in rows_by_form.items():
        form = catalog.form(code)
        title = f"{form.paper_name or form.code} — {form.name_vi}"
        sheets.append((code, title, list_fields(form), rows))
        for table in part_tables(form):         # the parts of the one record, one sheet each
            items = [item for row in rows[:1] for item in (row.get(table.name) or []) if isinstance(item, dict)]
            sheets.append((part_sheet(form, table), f"{title}: {table.label_vi}", list_fields(table), items))
    for sheet, title, fields, rows in sheets:
        ws = wb.create_sheet(sheet)
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append([f.label_vi for f in fields])
        ws.append([f.name for f in fields])
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for cell in ws[3]:
            cell.font = Font(color="808080", size=8)
        for row in rows:
            ws.append(["" if row.get(f.name) is None else str(row[f.name]) for f in fields])
        for column in ws.iter_cols(min_row=4):
            for cell in column:
                cell.number_format = "@"          # text: Excel keeps 0123456789 as typed
        for i, f in enumerate(fields, start=1):
            ws.column_dimensions[ws.cell(2, i).column_letter].width = max(10, min(40, len(f.label_vi) + 2))
        ws.freeze_panes = "A4"
    tmp = path.with_name(f".{path.name}.part")
    wb.save(tmp)
    tmp.replace(path)


# ---------------------------------------------------------------- import

def _check_zip(path: Path) -> None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise ExcelError("excel.too_large", limit_mb=MAX_FILE // 2**20)
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise ExcelError("excel.unreadable", path=path.name, reason=str(exc)[:120]) from None
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(size, 1) + 10 * 2**20:
        raise ExcelError("excel.bomb", path=path.name)


def _header(ws, fields: list[Field]) -> tuple[int, dict[int, Field]]:
    by_name = {f.name.lower(): f for f in fields}
    by_label = {f.label_vi.lower(): f for f in fields} | {f.label_en.lower(): f for f in fields if f.label_en}
    best: tuple[int, dict[int, Field]] = (0, {})
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        for table in (by_name, by_label):
            found = {c: table[str(v).strip().lower().rstrip(" *")] for c, v in enumerate(row)
                     if v is not None and str(v).strip().lower().rstrip(" *") in table}
            if found and len(found) >= len(best[1]):      # the last header row wins: data starts below it
                best = (r, found)
    return best


def _text_value(f: Field, value: Any, cell, note) -> str | None:
    if value is None:
        return None
    t = f.type
    if t in ID_LENGTHS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            digits = str(value)
            if len(digits) in ID_LENGTHS[t]:
                return digits
            longer = [n for n in ID_LENGTHS[t] if n > len(digits)]
            if len(longer) == 1 and longer[0] - len(digits) == 1:      # only one length fits: one lost zero
                restored = digits.zfill(longer[0])
                note("excel.zero_restored", f"{digits} → {restored}")
                return restored
            note("excel.refused_id", digits, refused=True)
            return None
        return str(value).strip()
    if t in (FieldType.DATE, FieldType.BIRTHDATE, FieldType.PERIOD):
        fmt = "%m/%Y" if t is FieldType.PERIOD else "%d/%m/%Y"
        if isinstance(value, datetime | date):
            return value.strftime(fmt)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if t is FieldType.BIRTHDATE and 1900 <= value <= 2100 and float(value).is_integer():
                return str(int(value))                      # a birth year alone
            from openpyxl.utils.datetime import from_excel

            try:
                when = from_excel(value)
            except (ValueError, OverflowError, TypeError):
                note("excel.refused_date", str(value), refused=True)
                return None
            note("excel.date_serial", f"{value} → {when.strftime(fmt)}")
            return when.strftime(fmt)
        return str(value).strip()
    if t in (FieldType.MONEY, FieldType.SALARY, FieldType.RATE, FieldType.INT):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = repr(value)
            return text.replace(".", ",") if t is FieldType.SALARY and value <= 100 else text
        return str(value).strip()
    return str(value)


def import_sheet(path: Path, form_code: str, catalog: Catalog | None = None) -> ImportResult:
    """The rows of ``form_code`` from the workbook. A form in parts comes back as its one record, each part read
    from its own sheet ("M01B-HSB OmDau"...) and the record's own fields from the form's sheet, if any."""
    from openpyxl import load_workbook

    catalog = catalog or load_catalog()
    form = catalog.form(form_code)
    path = Path(path)
    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:        # openpyxl raises many types on broken files: all mean "unreadable"
        raise ExcelError("excel.unreadable", path=path.name, reason=type(exc).__name__) from None
    result = ImportResult()
    tables = part_tables(form)
    if not tables:
        ws = wb[form_code] if form_code in wb.sheetnames else wb.active
        result.rows = _read_sheet(ws, list_fields(form), form_code, result)
    else:
        record: dict[str, Any] = {}
        if form_code in wb.sheetnames:
            own = _read_sheet(wb[form_code], list_fields(form), form_code, result, required=False)
            record.update(own[0] if own else {})
        found = False
        for table in tables:
            name = part_sheet(form, table)
            if name in wb.sheetnames:
                found = True
                items = _read_sheet(wb[name], list_fields(table), form_code, result, required=False)
                if items:
                    record[table.name] = items
        if not found:
            raise ExcelError("excel.no_header", sheet=", ".join(part_sheet(form, t) for t in tables), form=form_code)
        result.rows = [record] if record else []
    if result.refused:
        result.rows = []           # never half-applied
    return result


def _read_sheet(ws, fields: list[Field], form_code: str, result: ImportResult, *,
                required: bool = True) -> list[dict[str, Any]]:
    header_row, columns = _header(ws, fields)
    if not columns:
        if not required:
            return []
        raise ExcelError("excel.no_header", sheet=ws.title, form=form_code)
    rows: list[dict[str, Any]] = []
    # One legacy encoding for the whole sheet, from all its text: a short name alone may not tell.
    totals = Counter()
    for row in ws.iter_rows(min_row=header_row + 1):
        for c, f in columns.items():
            v = row[c].value if c < len(row) else None
            if isinstance(v, str) and f.type in (FieldType.TEXT, FieldType.CODE):
                t3, vni = scores(v)
                totals["TCVN3"] += t3
                totals["VNI"] += vni
    sheet_encoding = totals.most_common(1)[0][0] if sum(totals.values()) >= 2 else None
    for row in ws.iter_rows(min_row=header_row + 1):
        values: dict[str, Any] = {}
        for c, f in columns.items():
            cell = row[c] if c < len(row) else None
            raw = cell.value if cell is not None else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue

            def note(code: str, detail: str, refused: bool = False, _cell=cell, _f=f) -> None:
                entry = CellNote(sheet=ws.title, row=_cell.row, column=_cell.column_letter, field=_f.name, code=code,
                                 detail=detail)
                (result.refused if refused else result.converted).append(entry)

            text = _text_value(f, raw, cell, note)
            if text is None:
                continue
            if f.type in (FieldType.TEXT, FieldType.CODE):
                font = cell.font.name if cell.font is not None else None
                legacy = convert(text, font, sheet_encoding)
                if legacy is not None:
                    note("excel.legacy_converted", f"{legacy.encoding}: {legacy.original} → {legacy.text}")
                    text = legacy.text
            values[f.name] = text
        if values:
            rows.append(values)
    return rows
