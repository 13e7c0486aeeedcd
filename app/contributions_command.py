"""``bhxh-desk contributions DRAFT.json [--json]``: what the unit and each employee pay for the period.

The figures are ``forms.contributions.compute``'s, the same the editor's totals and the printout show; this
module only prints them. ``--json`` prints the shape of issue 14 (VND integers); the text form is a table
with Vietnamese number and date formats, followed by the figures and instruments the period used.
"""

from __future__ import annotations

import argparse
import json

EXIT_OK = 0

_WORDS = {
    "vi": {"row": "Dòng", "name": "Họ và tên", "code": "PA", "month": "Tháng", "basis": "Căn cứ BHXH",
           "bhtn_basis": "Căn cứ BHTN", "employee": "NLĐ đóng", "employer": "Đơn vị đóng",
           "total": "Tổng cộng", "foreign": "người nước ngoài", "period": "Kỳ kê khai",
           "base": "Lương cơ sở", "since": "từ", "sources": "Theo", "none": "Hồ sơ không có dòng nào phải đóng."},
    "en": {"row": "Row", "name": "Name", "code": "Code", "month": "Month", "basis": "BHXH basis",
           "bhtn_basis": "BHTN basis", "employee": "Employee", "employer": "Unit", "total": "Total",
           "foreign": "foreign worker", "period": "Period", "base": "Base salary", "since": "from",
           "sources": "Per", "none": "No row of the dossier pays anything."},
}


def add_parser(add) -> None:
    p = add("contributions", cmd_contributions,
            "Số phải đóng của đơn vị và người lao động / what the unit and employees pay")
    p.add_argument("draft", metavar="DRAFT.json")
    p.add_argument("--json", action="store_true")
    p.add_argument("--budget-funded", action="store_true",
                   help="đơn vị do ngân sách nhà nước bảo đảm chi thường xuyên: không áp dụng mức giảm tạm "
                        "thời 2021-2022 / the State budget pays the unit's regular spending: no 2021-2022 cuts")


def cmd_contributions(args: argparse.Namespace) -> int:
    import os

    from bhxh_desk.app.cli import _opened
    from bhxh_desk.forms.contributions import compute
    from bhxh_desk.forms.draft import read_draft

    lang = "en" if (getattr(args, "lang", None) or os.environ.get("BHXH_DESK_LANG", "vi")) == "en" else "vi"
    result = compute(_opened(read_draft(args.draft), args), budget_funded=args.budget_funded)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(result, lang))
    return EXIT_OK


def render_text(result, lang: str) -> str:
    from bhxh_desk.forms import rates
    from bhxh_desk.forms.display import dmy, vnd
    from bhxh_desk.forms.messages import render

    w = _WORDS[lang]
    head = (w["row"], w["name"], w["code"], w["month"], w["basis"], w["bhtn_basis"], w["employee"], w["employer"])
    lines: list[tuple[str, ...]] = []
    notes: list[str] = []
    for r in result.rows:
        name = r.name + (f" ({w['foreign']})" if r.foreign else "")
        for m in r.months():
            lines.append((f"{r.form} {r.row}", name, r.code, str(m.month), vnd(m.basis.bhxh), vnd(m.basis.bhtn),
                          vnd(m.employee.total), vnd(m.employer.total)))
            name = ""
        notes += [f"{r.form} {r.row}: {render(code, lang)}" for code in r.notes]
    lines.append((w["total"], "", "", "", "", "", vnd(result.employee_total), vnd(result.employer_total)))
    widths = [max(len(x[i]) for x in (head, *lines)) for i in range(len(head))]
    right = {4, 5, 6, 7}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells))

    out = [f"{w['period']}: {result.period}", fmt(head), "  ".join("-" * n for n in widths)]
    out += [fmt(x) for x in lines] if result.rows else [w["none"]]
    base = rates.base_salary(result.period.first_day)
    if base is not None:
        out.append(f"{w['base']}: {vnd(base.amount)} đ {w['since']} {dmy(base.since)} ({base.source})")
    out.append(f"{w['sources']}: {'; '.join(result.sources)}")
    return "\n".join(out + notes)
