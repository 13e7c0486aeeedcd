"""Printable forms: each form laid out like its paper version, as a PDF (reportlab).

A4, the national heading, the unit block and the form code, the title and period, the table in the
catalog's (official) column order with its header repeated on every page, totals (people, salary fund and
what the unit and the employees pay for the period), place and date, and the signature block. DejaVu Sans
is embedded, so Vietnamese renders the same everywhere. Forms are data: nothing here knows a form by name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bhxh_desk.forms import fieldtypes
from bhxh_desk.forms.catalog import Catalog, load_catalog
from bhxh_desk.forms.contributions import compute
from bhxh_desk.forms.display import dmy, vnd
from bhxh_desk.forms.draft import Draft
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.model import Field, FieldType, Form
from bhxh_desk.forms.resources import resource
from bhxh_desk.forms.validate import check

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
SIZE, HEAD_SIZE, _PAD = 6.5, 6.5, 1.5


def _widths(columns: list[Field], texts: list[list[str]], total: float) -> list[float]:
    """Column widths from the content: numbers, IDs, dates and codes keep one line; free text shares the rest
    (never below its longest word), and everything is scaled to the page width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def w(text: str, font: str = FONT, size: float = SIZE) -> float:
        return stringWidth(text, font, size) + 2 * _PAD + 1

    natural, minimum = [], []
    for c, f in enumerate(columns):
        words = f.label_vi.split()
        longest_word = max((w(x, BOLD, HEAD_SIZE) for x in words), default=10)
        content = max((w(row[c]) for row in texts if row[c]), default=0)
        if f.type is FieldType.TEXT:
            natural.append(max(content, longest_word))
            minimum.append(max(longest_word, min(content, w("Nguyễn Văn"))))
        else:
            natural.append(max(content, longest_word))
            minimum.append(natural[-1])
    if sum(natural) <= total:
        return [n * total / sum(natural) for n in natural]
    fixed = sum(m for m, f in zip(minimum, columns, strict=True) if f.type is not FieldType.TEXT)
    free = [n for n, f in zip(natural, columns, strict=True) if f.type is FieldType.TEXT]
    room = total - fixed
    if free and room >= sum(m for m, f in zip(minimum, columns, strict=True) if f.type is FieldType.TEXT):
        share = room / sum(free)
        widths = [n if f.type is not FieldType.TEXT else max(m, n * share)
                  for n, m, f in zip(natural, minimum, columns, strict=True)]
    else:
        widths = minimum
    return [x * total / sum(widths) for x in widths]


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
        pdfmetrics.registerFont(TTFont(BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))


def _columns(form: Form) -> list[Field]:
    return [f for f in form.fields if not f.nested]


def _printed_columns(form: Form, rows: list[dict[str, Any]]) -> tuple[list[Field], list[Field]]:
    """The columns of a list that go on the A4 page, and those left out: an optional column that is empty
    in every row (a 2026 D02-TS has 39, most of them dates few rows fill) would only squeeze the others
    until names break letter by letter. What is left out is named under the table."""
    shown, left = [], []
    for f in _columns(form):
        always = f.required or f.type is FieldType.SEQ or f.default is not None or f.default_when
        (shown if always or any(not fieldtypes.is_empty(r.get(f.name)) for r in rows) else left).append(f)
    return shown, left


def _cell(f: Field, row: dict[str, Any], seq: int, labels: bool = False) -> str:
    if f.type is FieldType.SEQ:
        return str(seq)
    value = row.get(f.name)
    if (value is None or value == "") and (f.default is not None or f.default_when):
        from bhxh_desk.forms.catalog import row_default

        value = row_default(f, row)             # what the file carries, as the editor shows it
    if value is None or value == "":
        return ""
    if labels and f.type is FieldType.CODE and f.codes:
        from bhxh_desk.forms.catalog import code_list

        entry = code_list(f.codes).entries.get(str(value))
        return f"{value} – {entry.label_vi}" if entry else str(value)
    if f.type in (FieldType.MONEY, FieldType.SALARY):
        try:
            parsed = fieldtypes.parse(f, value)
        except BhxhError:
            return str(value)
        amount = parsed if isinstance(parsed, int) else getattr(parsed, "amount", None)
        if amount is not None:
            return vnd(amount)
        return str(getattr(parsed, "coefficient", value)).replace(".", ",")
    return str(value)


def render(draft: Draft, out: Path, *, forms: list[str] | None = None, place: str = "",
           on: date | None = None, catalog: Catalog | None = None) -> int:
    """Write the PDF; returns the number of pages."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    _fonts()
    catalog = catalog or load_catalog()
    checked = check(draft, catalog)
    try:
        owed = compute(draft, catalog, parsed=checked.parsed)     # the same figures as the editor and the CLI
    except BhxhError:
        owed = None
    on = on or date.today()
    procedure = catalog.procedure(draft.procedure)
    codes = forms or [c for c in (procedure.form_codes() if procedure else draft.forms) if draft.rows(c)]
    normal = ParagraphStyle("n", fontName=FONT, fontSize=8, leading=10)
    small = ParagraphStyle("s", fontName=FONT, fontSize=6.5, leading=8)
    head = ParagraphStyle("h", fontName=BOLD, fontSize=6.5, leading=8, alignment=1)
    title = ParagraphStyle("t", fontName=BOLD, fontSize=12, leading=15, alignment=1)
    center = ParagraphStyle("c", fontName=FONT, fontSize=8.5, leading=11, alignment=1)
    center_b = ParagraphStyle("cb", fontName=BOLD, fontSize=8.5, leading=11, alignment=1)
    page_size = landscape(A4)
    width = page_size[0] - 20 * mm
    story: list[Any] = []
    u = draft.unit
    for n, code in enumerate(codes):
        form = catalog.form(code)
        if n:
            story.append(PageBreak())
        heading = Table([[Paragraph(f"<b>{_esc(u.name)}</b><br/>Mã đơn vị: {_esc(u.code)}<br/>Mã số thuế: "
                                    f"{_esc(u.tax_code)}", normal),
                          Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/>Độc lập - Tự do - Hạnh phúc",
                                    center),
                          Paragraph(f"Mẫu <b>{_esc(form.paper_name or form.code)}</b><br/>({_esc(form.decision)})",
                                    ParagraphStyle("r", parent=normal, alignment=2))]],
                        colWidths=[width * 0.35, width * 0.35, width * 0.30])
        story += [heading, Spacer(1, 4 * mm), Paragraph(_esc(form.name_vi.upper()), title)]
        if draft.period:
            story.append(Paragraph(f"Kỳ kê khai: {_esc(draft.period)}", center))
        story.append(Spacer(1, 3 * mm))
        columns = _columns(form)
        rows = draft.rows(code)
        if form.kind == "parts":             # one record in parts (01B-HSB): its own fields, then each part's table
            for row in rows[:1]:
                story += _person_blocks(form.fields, row, width, normal, small, head)
            counts = [f"{f.label_vi}: {len(rows[0].get(f.name) or []) if rows else 0}"
                      for f in form.fields if f.type is FieldType.TABLE]
            story.append(Paragraph(f"Số dòng theo phần: <b>{_esc('; '.join(counts))}</b>.", normal))
            story += _signatures(u, on, place, width, center, center_b)
            continue
        if form.kind == "person":            # a declaration per person, laid out as a form, not a wide table
            for i, row in enumerate(rows, 1):
                story.append(Paragraph(f"<b>{i}. {_esc(row.get('HoTen') or row.get('Hoten') or '')}</b>", normal))
                story += _person_blocks(form.fields, row, width, normal, small, head)
                story.append(Spacer(1, 3 * mm))
            story.append(Paragraph(f"Tổng cộng: <b>{len(rows)}</b> tờ khai.", normal))
            story += _signatures(u, on, place, width, center, center_b)
            continue
        columns, left_out = _printed_columns(form, rows)
        data = [[Paragraph(_esc(f.label_vi), head) for f in columns]]
        data += [[Paragraph(_esc(_cell(f, row, i)), small) for f in columns] for i, row in enumerate(rows, 1)]
        texts = [[_cell(f, row, i) for f in columns] for i, row in enumerate(rows[:300], 1)]
        col_widths = _widths(columns, texts, width)
        table = LongTable(data, colWidths=col_widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5), ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD)]))
        story += [table, Spacer(1, 3 * mm)]
        story.append(Paragraph(f"Tổng cộng: <b>{len(rows)}</b> dòng.", normal))
        if left_out:
            story.append(Paragraph("Các cột không có số liệu ở dòng nào, không in: "
                                   + _esc(", ".join(f.label_vi for f in left_out)) + ".", small))
        if owed is not None and code in owed.forms():
            s = owed.summary(code)
            if s.paying_rows:
                story.append(Paragraph(
                    f"Quỹ lương đóng ({s.paying_rows} người): <b>{vnd(s.basis_bhxh)}</b> đồng. Người lao động đóng "
                    f"<b>{vnd(s.employee.total)}</b> đồng ({_parts(s.employee.as_dict(_EMPLOYEE_FUNDS))}); đơn vị "
                    f"đóng <b>{vnd(s.employer.total)}</b> đồng ({_parts(s.employer.as_dict())}). "
                    f"Theo {_esc('; '.join(owed.sources))}.", normal))
        story += _signatures(u, on, place, width, center, center_b)

    def page_number(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawRightString(page_size[0] - 10 * mm, 7 * mm, f"Trang {doc.page} — bhxh-desk, in ngày {dmy(on)}")
        canvas.restoreState()

    out = Path(out)
    tmp = out.with_name(f".{out.name}.part")
    doc = SimpleDocTemplate(str(tmp), pagesize=page_size, leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=12 * mm, title=f"{draft.procedure} {draft.period}",
                            author="bhxh-desk")
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    tmp.replace(out)
    return doc.page


def _signatures(u, on: date, place: str, width: float, center, center_b) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    when = f"{_esc(place) + ', ' if place else ''}ngày {on.day:02d} tháng {on.month:02d} năm {on.year}"
    return [Spacer(1, 5 * mm),
            Table([["", Paragraph(when, center)],
                   [Paragraph("Người lập biểu", center_b), Paragraph("Thủ trưởng đơn vị", center_b)],
                   [Paragraph("(Ký, ghi rõ họ tên)", center), Paragraph("(Ký, ghi rõ họ tên, đóng dấu)", center)],
                   ["", ""], ["", Paragraph(_esc(u.signer), center_b)]],
                  colWidths=[width / 2, width / 2], rowHeights=[12, 12, 12, 40, 12])]


def _person_blocks(fields: tuple[Field, ...], values: dict[str, Any], width: float, normal, small, head) -> list[Any]:
    """Label–value pairs, two to a line; a group gets its own heading; a nested list its own small table."""
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, Paragraph, Table, TableStyle

    out: list[Any] = []
    plain = [f for f in fields if not f.nested and f.type is not FieldType.SEQ and not f.retired]
    cells = [(Paragraph(_esc(f.label_vi), small), Paragraph(_esc(_cell(f, values, 0, labels=True)), small))
             for f in plain]
    if cells:
        lines = [[*cells[i], *(cells[i + 1] if i + 1 < len(cells) else ("", ""))] for i in range(0, len(cells), 2)]
        table = Table(lines, colWidths=[width * 0.18, width * 0.32, width * 0.18, width * 0.32])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                                   ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                                   ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#F2F2F2"))]))
        out.append(table)
    for f in fields:
        if f.type is FieldType.GROUP and values.get(f.name):
            out.append(Paragraph(f"<b>{_esc(f.label_vi)}</b>", normal))
            out += _person_blocks(f.fields, values[f.name], width, normal, small, head)
        elif f.type is FieldType.TABLE and values.get(f.name):
            columns = [c for c in f.fields if not c.nested and not c.retired]
            items = values[f.name]
            texts = [[_cell(c, item, i) for c in columns] for i, item in enumerate(items, 1)]
            data = [[Paragraph(_esc(c.label_vi), head) for c in columns]]
            data += [[Paragraph(_esc(t), small) for t in row] for row in texts]
            table = LongTable(data, colWidths=_widths(columns, texts, width), repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7"))]))
            out += [Paragraph(f"<b>{_esc(f.label_vi)}</b>", normal), table]
    return out


_EMPLOYEE_FUNDS = ("bhxh", "bhyt", "bhtn")
_FUND_NAMES = {"bhxh": "BHXH", "bhyt": "BHYT", "bhtn": "BHTN", "bhtnld": "BHTNLĐ-BNN"}


def _parts(parts: dict[str, int]) -> str:
    return ", ".join(f"{_FUND_NAMES.get(k, k)} {vnd(v)}" for k, v in parts.items())


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
