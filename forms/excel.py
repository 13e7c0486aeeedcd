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

Columns are matched to fields by ``forms.columns`` (names, labels, the catalog's aliases); a column that fills
no field is listed. Formulas are read by the value Excel cached; one with no cached value, or an error value, is
a refused cell. Text that a spreadsheet would evaluate (=, +, -, @, tab, CR) is exported behind an apostrophe.

An import never half-applies: any refused cell (named by sheet, row and column) refuses the whole file.
Zip bombs are refused before openpyxl opens the file; sheets are streamed (read-only mode) and more than
``MAX_ROWS`` rows of data are refused while they are counted.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from bhxh_desk.forms.catalog import Catalog, load_catalog
from bhxh_desk.forms.columns import HEADER_ROWS, Column, SheetMap, find_header, map_columns
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.legacy_text import convert, scores
from bhxh_desk.forms.model import Field, FieldType, Form

MAX_FILE = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 100_000        # rows of data in one sheet: a draft of that many rows still opens (64 MB)
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
    """What an import would apply, and everything the user should see first (the window's preview, the command
    line's report): the rows, each repair, each refused cell, and how each sheet's columns were mapped."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    converted: list[CellNote] = field(default_factory=list)
    refused: list[CellNote] = field(default_factory=list)
    sheets: list[SheetMap] = field(default_factory=list)

    def unused(self) -> list[tuple[str, Column]]:
        """(sheet, column) for every column that fills no field: listed, never dropped unseen."""
        return [(m.sheet, c) for m in self.sheets for c in m.unused()]

    def unused_lines(self, form_code: str, lang: str = "vi") -> list[str]:
        """A line for each column that fills no field (its header matched nothing, or named a field another column
        fills; not those the user set aside): the command line prints them, the window's preview lists them."""
        from bhxh_desk.forms.messages import render

        return [render("excel.column_taken" if c.how == "taken" else "excel.column_unused", lang, sheet=sheet,
                       column=c.letter, header=c.header, form=form_code, field=c.matched or "")
                for sheet, c in self.unused() if c.how != "hand"]


def list_fields(form: Form | Field) -> list[Field]:
    return [f for f in form.fields if not f.nested and f.type is not FieldType.SEQ]


def part_tables(form: Form) -> list[Field]:
    """A form in parts (01B-HSB: kind "parts") is one record whose nested lists are its parts: one sheet each."""
    return [f for f in form.fields if f.type is FieldType.TABLE] if form.kind == "parts" else []


def part_sheet(form: Form, table: Field) -> str:
    return f"{form.code} {table.name}"[:31]


# ---------------------------------------------------------------- export

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): such text is written with a
# leading apostrophe, which no spreadsheet evaluates and which import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# What a spreadsheet file (XML 1.0) cannot hold: control characters other than tab, LF and CR, and the
# non-characters U+FFFE/U+FFFF. A draft carrying one is refused with its place, not written half.
ILLEGAL_IN_SHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_text(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def unquote(text: str) -> str:
    """The text ``safe_text`` was given: export's own apostrophe before a formula sign is taken off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


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
        for r, row in enumerate(rows, start=4):
            for c, f in enumerate(fields, start=1):
                cell = ws.cell(r, c)
                text = safe_text(row.get(f.name))
                if ILLEGAL_IN_SHEET.search(text):      # openpyxl would stop with IllegalCharacterError
                    raise ExcelError("excel.control_char", sheet=sheet, row=r - 3, field=f.label_vi,
                                     char=f"U+{ord(ILLEGAL_IN_SHEET.search(text).group()):04X}")
                cell.value = text
                cell.data_type = "s"              # never a formula, whatever openpyxl makes of the text
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


@cache
def _parser_class():
    """openpyxl's sheet parser, which in its data-only mode gives a formula that has no cached value as None, the
    same as an empty cell. This one keeps each cell's formula, so that import can name such a cell instead of
    dropping it. Made on first use: ``import forms.excel`` does not load openpyxl."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                cell["formula"] = "=" + (formula.text or "")
            return cell

    return Parser


class _Cell(NamedTuple):
    row: int
    column: int            # from 0
    value: Any
    formula: str | None    # "=..." when the cell holds a formula: its value is the cached one, or None
    error: bool            # an error value (#DIV/0!, #REF!...)
    style_id: int


def _rows(wb, ws, first: int = 1) -> Iterator[tuple[int, dict[int, _Cell]]]:
    """The sheet's rows as they stand in its XML, streamed: row number → its non-empty cells. Neither the
    dimension tag (optional, and it can lie) nor gaps between row numbers cost anything."""
    with ws._get_source() as src:
        parser = _parser_class()(src, ws._shared_strings, data_only=True, epoch=wb.epoch, date_formats=wb._date_formats,
                         timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            if number < first:
                continue
            found = {}
            for c in cells:
                value = c["value"]
                if c.get("formula") or not (value is None or (isinstance(value, str) and not value.strip())):
                    found[c["column"] - 1] = _Cell(number, c["column"] - 1, value, c.get("formula"),
                                                   c["data_type"] == "e", c["style_id"])
            if found:
                yield number, found


def _font(wb, style_id: int, cache: dict[int, str | None]) -> str | None:
    if style_id not in cache:
        try:
            cache[style_id] = wb._fonts[wb._cell_styles[style_id].fontId].name
        except (IndexError, AttributeError, TypeError):
            cache[style_id] = None
    return cache[style_id]


def import_sheet(path: Path, form_code: str, catalog: Catalog | None = None,
                 by_hand: Mapping[str, Mapping[str, str | None]] | None = None) -> ImportResult:
    """The rows of ``form_code`` from the workbook, with how each sheet's columns were mapped. ``by_hand`` maps,
    per sheet (or "*" for any sheet), a column letter to a field name (or None: not used), as the user chose in the
    preview or with the command line's ``--column``.

    A form in parts comes back as its one record, each part read from its own sheet ("M01B-HSB OmDau"...) and the
    record's own fields from the form's sheet, if any. More than ``MAX_ROWS`` rows of data in a sheet refuse the
    file while they are counted, before anything is converted."""
    from openpyxl import load_workbook

    catalog = catalog or load_catalog()
    form = catalog.form(form_code)
    path = Path(path)
    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:        # openpyxl raises many types on broken files: all mean "unreadable"
        raise ExcelError("excel.unreadable", path=path.name, reason=type(exc).__name__) from None
    result = ImportResult()
    try:
        tables = part_tables(form)
        if not tables:
            ws = wb[form_code] if form_code in wb.sheetnames else wb.worksheets[0]
            result.rows = _read_sheet(wb, ws, list_fields(form), form_code, result, by_hand)
        else:
            record: dict[str, Any] = {}
            if form_code in wb.sheetnames:
                own = _read_sheet(wb, wb[form_code], list_fields(form), form_code, result, by_hand, required=False)
                record.update(own[0] if own else {})
            found = False
            for table in tables:
                name = part_sheet(form, table)
                if name in wb.sheetnames:
                    found = True
                    items = _read_sheet(wb, wb[name], list_fields(table), form_code, result, by_hand,
                                        required=False)
                    if items:
                        record[table.name] = items
            if not found:
                raise ExcelError("excel.no_header", sheet=", ".join(part_sheet(form, t) for t in tables),
                                 form=form_code)
            result.rows = [record] if record else []
    except ExcelError:
        raise
    except Exception as exc:       # a sheet's XML broken past what openpyxl checks on opening
        raise ExcelError("excel.unreadable", path=path.name, reason=type(exc).__name__) from None
    finally:
        wb.close()
    def where(note: CellNote) -> tuple:
        return note.sheet, note.row, len(note.column), note.column

    result.converted.sort(key=where)
    result.refused.sort(key=where)
    if result.refused:
        result.rows = []           # never half-applied
    return result


def _column_index(ref: str) -> int:
    """"C7" → 2."""
    index = 0
    for ch in ref:
        if not ch.isalpha():
            break
        index = index * 26 + (ord(ch.upper()) - 64)
    return index - 1


def _count_rows(ws, after: int) -> set[int]:
    """Count the rows of data below row ``after``, and refuse past ``MAX_ROWS`` while counting; the columns that
    hold data. Its own pass, with lxml's C parser row by row (no entity expanded, no DTD or network read): it
    costs a tenth of openpyxl's, so a sheet of a million rows is refused in a second or two."""
    from lxml import etree

    row_tag = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"
    columns: set[int] = set()
    count, number = 0, 0
    with ws._get_source() as src:
        for _, row in etree.iterparse(src, events=("end",), tag=row_tag, resolve_entities=False, no_network=True,
                                      load_dtd=False, huge_tree=False):
            number = int(row.get("r") or number + 1)
            if number > after:
                found = False
                index = -1
                for cell in row:
                    ref = cell.get("r")
                    index = _column_index(ref) if ref else index + 1
                    if any(len(part) or (part.text or "").strip() for part in cell):
                        found = True
                        columns.add(index)
                if found:
                    count += 1
                    if count > MAX_ROWS:
                        raise ExcelError("excel.too_many_rows", sheet=ws.title,
                                         limit=f"{MAX_ROWS:,}".replace(",", "."))
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
    return columns


def _read_sheet(wb, ws, fields: list[Field], form_code: str, result: ImportResult,
                by_hand: Mapping[str, Mapping[str, str | None]] | None, *,
                required: bool = True) -> list[dict[str, Any]]:
    # 1. The header, among the first rows.
    head: list[tuple[int, list[Any]]] = []
    for number, cells in _rows(wb, ws):
        if number > HEADER_ROWS:
            break
        head.append((number, [cells[i].value if i in cells else None for i in range(max(cells) + 1)]))
    header_row, columns = find_header(head, fields)
    # 2. The rows below it counted, streamed, stopped at the limit; the columns that hold data.
    data_columns = _count_rows(ws, header_row) if head else set()
    hand = (by_hand or {}).get(ws.title, (by_hand or {}).get("*"))
    if header_row:
        headers = next(values for number, values in head if number == header_row)
        columns = map_columns(headers, fields, hand, data_columns)
    result.sheets.append(SheetMap(ws.title, header_row, columns))
    mapped = {c.index: c for c in columns if c.field is not None}
    if not mapped:
        if not required:
            return []
        raise ExcelError("excel.no_header", sheet=ws.title, form=form_code)
    by_name = {f.name: f for f in fields}
    fonts: dict[int, str | None] = {}
    # 3. The rows converted; every repair and every refusal is noted by cell. Legacy text waits for the end: one
    # encoding for the whole sheet, from all its text, since a short name alone may not tell.
    rows: list[dict[str, Any]] = []
    legacy: list[tuple[dict[str, Any], str, str | None, Any]] = []
    totals: Counter[str] = Counter()
    for _number, cells in _rows(wb, ws, first=header_row + 1):
        values: dict[str, Any] = {}
        for index, column in mapped.items():
            cell = cells.get(index)
            if cell is None:
                continue
            f = by_name[column.field]

            def note(code: str, detail: str, refused: bool = False, _cell=cell, _f=f, _letter=column.letter) -> None:
                entry = CellNote(sheet=ws.title, row=_cell.row, column=_letter, field=_f.name, code=code,
                                 detail=detail)
                (result.refused if refused else result.converted).append(entry)

            raw = cell.value
            if cell.error:
                note("excel.cell_error", f"{cell.formula or ''} {raw}".strip(), refused=True)
                continue
            if cell.formula is not None:
                if raw is None:
                    note("excel.formula_no_value", cell.formula, refused=True)
                    continue
                note("excel.formula_value", f"{cell.formula} → {raw}")
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if isinstance(raw, str):
                raw = unquote(raw)
            text = _text_value(f, raw, cell, note)
            if text is None:
                continue
            values[f.name] = text
            if f.type in (FieldType.TEXT, FieldType.CODE) and not text.isascii():
                t3, vni = scores(text)
                totals["TCVN3"] += t3
                totals["VNI"] += vni
                legacy.append((values, f.name, _font(wb, cell.style_id, fonts), note))
        if values:
            rows.append(values)
    sheet_encoding = totals.most_common(1)[0][0] if sum(totals.values()) >= 2 else None
    for values, name, font, note in legacy:
        converted = convert(values[name], font, sheet_encoding)
        if converted is not None:
            note("excel.legacy_converted", f"{converted.encoding}: {converted.original} → {converted.text}")
            values[name] = converted.text
    return rows
