"""Commands on drafts and forms: procedures, validate, build, the store's drafts, Excel in and out, the
printout, the XSDs, and what a dossier costs. Each handler parses, calls the core, and prints; it imports
what it needs inside itself, so that ``bhxh-desk procedures`` loads neither lxml nor sqlite nor Qt."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bhxh_desk.app.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    attachments_option,
    group_help,
    lang_of,
    open_store,
    opened,
    print_issues,
    print_json,
    read_draft,
    write,
)
from bhxh_desk.forms.errors import BhxhError

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


def cmd_procedures(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.catalog import load_catalog

    catalog = load_catalog()
    lang = lang_of(args)
    if args.json:
        print_json([
            {
                "code": p.code, "name_vi": p.name_vi, "name_en": p.name_en, "decision": p.decision,
                "filer": p.filer, "unconfirmed": p.unconfirmed,
                "forms": [
                    {"code": u.form, "name_vi": catalog.form(u.form).name_vi,
                     "name_en": catalog.form(u.form).name_en, "required": u.required}
                    for u in p.forms
                ],
            }
            for p in catalog.procedures.values()
        ])
        return EXIT_OK
    required = {"vi": ("bắt buộc", "tùy chọn"), "en": ("required", "optional")}[lang if lang == "en" else "vi"]
    for p in catalog.procedures.values():
        mark = " (chưa xác nhận)" if p.unconfirmed and lang != "en" else " (unconfirmed)" if p.unconfirmed else ""
        print(f"{p.code:<13} {p.name(lang)}{mark}")
        for u in p.forms:
            form = catalog.form(u.form)
            print(f"              {form.code:<9} {required[0] if u.required else required[1]:<9} {form.name(lang)}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions.checking import validate
    from bhxh_desk.forms.validate import Severity

    lang = lang_of(args)
    issues = validate(read_draft(args.draft, args))
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    if args.json:
        print_json({"valid": errors == 0, "errors": errors, "warnings": len(issues) - errors,
                     "issues": [i.to_dict() for i in issues]})
    else:
        words = {"vi": ("lỗi", "cảnh báo", "dòng"), "en": ("error", "warning", "row")}["en" if lang == "en" else "vi"]
        for i in issues:
            kind = words[0] if i.severity is Severity.ERROR else words[1]
            where = i.form + (f" {words[2]} {i.row}" if i.row is not None else "")
            print(f"[{kind}] {where}: {i.message(lang)} ({i.code})")
        if errors == 0:
            print("Hồ sơ hợp lệ." if lang != "en" else "The dossier is valid.")
        else:
            print(f"{errors} lỗi." if lang != "en" else f"{errors} errors.")
    return EXIT_OK if errors == 0 else EXIT_INVALID


def _parse_created(text: str | None):
    from datetime import datetime

    if not text:
        return None
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise BhxhError("cli.usage", reason=f"--date {text}: dd/mm/yyyy") from None


def cmd_build(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions.checking import check_memo
    from bhxh_desk.forms.xmlbuild import InvalidDossier, build_unsigned

    lang = lang_of(args)
    try:
        draft = read_draft(args.draft, args)
        data = build_unsigned(draft, created=_parse_created(args.date), memo=check_memo())
    except InvalidDossier as exc:
        print(exc.message(lang), file=sys.stderr)
        print_issues(exc.issues, lang)
        return EXIT_INVALID
    write(Path(args.output), data)
    print(args.output)
    return EXIT_OK


def cmd_drafts_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        infos = store.drafts(unit_code=args.unit)
    if args.json:
        print_json([
            {"id": i.id, "unit": i.unit_code, "procedure": i.procedure, "period": i.period, "state": str(i.state),
             "revision": i.revision, "created_at": i.created_at, "updated_at": i.updated_at, "rows": i.rows}
            for i in infos
        ])
        return EXIT_OK
    for i in infos:
        print(f"{i.id:>5}  {i.unit_code:<10} {i.procedure:<6} {i.period:<8} {i.state:<10} {i.rows:>6} "
              f"{i.updated_at[:19].replace('T', ' ')}")
    return EXIT_OK


def cmd_drafts_import(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions.attachments import read_for_import

    # All read first: no half import. --adopt-attachments reads the files a draft names outside its
    # folder (absolute paths of release 0.1) and the import copies them into the store.
    drafts = [opened(read_for_import(path, folders=args.attachments_from or (), adopt=args.adopt_attachments), args)
              for path in args.files]
    with open_store(args) as store:
        for path, draft in zip(args.files, drafts, strict=True):
            draft_id = store.create_draft(draft, action="import")
            print(f"{draft_id}\t{path}")
            for other in store.same_filing(draft.unit.code, draft.procedure, draft.period, other_than=draft_id)[:1]:
                # Most often the same filing made twice (two clerks of an office): said, not refused.
                print(BhxhError("store.same_filing", unit=draft.unit.code, procedure=draft.procedure,
                                period=draft.period, draft=other.draft_id, owner=other.owner_name or other.owner,
                                state=other.state).message(lang_of(args)), file=sys.stderr)
    return EXIT_OK


def cmd_drafts_attach(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions.attachments import attach_file

    with open_store(args) as store:
        att = attach_file(store, args.id, args.file, name=args.name, description=args.description or "",
                          kind=args.kind or "")
    print(f"{args.id}\t{att.name}\t{len(att.content)}")
    return EXIT_OK


def cmd_drafts_export(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions.dossiers import export

    with open_store(args) as store:          # the window's "Xuất tệp hồ sơ" is the same use case
        export(store, args.id, Path(args.output))
    print(args.output)
    return EXIT_OK


def _by_hand(pairs: list[str] | None) -> dict[str, str | None]:
    """``--column C=Cmnd`` maps column C to a field by hand; ``--column C=`` sets it aside."""
    out: dict[str, str | None] = {}
    for pair in pairs or ():
        letter, sep, name = pair.partition("=")
        if not sep or not letter.strip().isalpha():
            raise BhxhError("excel.bad_column", column=pair, reason="LETTER=FIELD")
        out[letter.strip().upper()] = name.strip() or None
    return out


def cmd_import(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.catalog import load_catalog
    from bhxh_desk.forms.draft import write_draft
    from bhxh_desk.forms.excel import import_sheet, list_fields, part_tables

    lang = lang_of(args)
    form = load_catalog().form(args.form)
    hand = _by_hand(args.column)
    known = {f.name for f in list_fields(form)} | {f.name for t in part_tables(form) for f in list_fields(t)}
    for letter, name in hand.items():
        if name is not None and name not in known:
            raise BhxhError("excel.bad_column", column=f"{letter}={name}", reason=", ".join(sorted(known)))
    result = import_sheet(Path(args.file), args.form, by_hand={"*": hand})
    for line in result.unused_lines(args.form, lang):
        print(line, file=sys.stderr)
    for note in result.converted:
        print(note.message(lang), file=sys.stderr)
    for note in result.refused:
        print(note.message(lang), file=sys.stderr)
    if result.refused:
        print(BhxhError("excel.import_refused", count=len(result.refused)).message(lang), file=sys.stderr)
        return EXIT_INVALID
    if args.into:
        draft = read_draft(args.into, args)
        if form.kind == "parts":    # one record (01B-HSB): the sheet replaces it
            draft.forms[args.form] = list(result.rows)
        else:
            draft.forms.setdefault(args.form, []).extend(result.rows)
        write_draft(draft, args.into)         # refused before writing when too large to read back
        print(f"{len(result.rows)} → {args.into} ({args.form})")
    else:
        print_json({args.form: result.rows})
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.excel import export

    draft = read_draft(args.draft, args)
    codes = args.form or [c for c in draft.forms if draft.forms[c]]
    export({code: draft.rows(code) for code in codes}, Path(args.output))
    print(args.output)
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.printing import render

    draft = read_draft(args.draft, args)
    pages = render(draft, Path(args.output), forms=args.form, place=args.place or "")
    print(f"{args.output} ({pages} trang)")
    return EXIT_OK


def cmd_schemas(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.catalog import load_catalog
    from bhxh_desk.forms.resources import resource
    from bhxh_desk.forms.xsdgen import form_index, form_xsd

    catalog = load_catalog()
    wanted = {f"{form.code}.xsd": form_xsd(form) for form in catalog.forms.values()}
    wanted["forms.json"] = form_index(catalog)
    stale = []
    for name, data in wanted.items():
        path = resource("schemas", name)
        if args.action == "write":
            path.write_bytes(data)
            print(path)
        elif not path.exists() or path.read_bytes() != data:
            stale.append(name)
    if stale:
        print("Out of date: " + ", ".join(stale), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_contributions(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.contributions import compute

    lang = "en" if lang_of(args) == "en" else "vi"
    result = compute(read_draft(args.draft, args), budget_funded=args.budget_funded)
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


def add_parsers(add, formatter) -> None:
    p = add("procedures", cmd_procedures, "Liệt kê thủ tục và biểu mẫu / list procedures and their forms")
    p.add_argument("--json", action="store_true")

    p = add("validate", cmd_validate, "Kiểm tra hồ sơ nháp / validate a draft")
    p.add_argument("draft")
    attachments_option(p)
    p.add_argument("--json", action="store_true")

    p = add("build", cmd_build, "Lập tệp BHXHDienTu.xml chưa ký / build the unsigned envelope")
    p.add_argument("draft")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--date", help="ngày lập dd/mm/yyyy (mặc định hôm nay) / date made, default today")
    attachments_option(p)

    p = add("drafts", None, "Hồ sơ nháp trong kho / drafts in the store")
    p.set_defaults(handler=group_help(p))
    p.add_argument("--store", help="tệp kho SQLite / store file (default: the data folder)")
    dsub = p.add_subparsers(dest="action", metavar="ACTION")
    q = dsub.add_parser("list", help="liệt kê / list", formatter_class=formatter)
    q.add_argument("--unit")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_drafts_list)
    q = dsub.add_parser("import", help="nhập tệp nháp / import draft files", formatter_class=formatter)
    q.add_argument("files", nargs="+")
    attachments_option(q)
    q.add_argument("--adopt-attachments", action="store_true",
                   help="đưa vào kho cả tệp đính kèm ghi đường dẫn ngoài thư mục của tệp nháp / bring into the "
                        "store also the attachments a draft names outside its folder (absolute paths)")
    q.set_defaults(handler=cmd_drafts_import)
    q = dsub.add_parser("attach", help="đính kèm một tệp vào hồ sơ trong kho / copy a file into a stored dossier",
                        formatter_class=formatter)
    q.add_argument("id", type=int)
    q.add_argument("file")
    q.add_argument("--name", help="tên hiển thị / the name shown (default: the file's)")
    q.add_argument("--description")
    q.add_argument("--kind", help="mã loại giấy tờ (loai_giay_to), ví dụ GDYK / the paper's kind")
    q.set_defaults(handler=cmd_drafts_attach)
    q = dsub.add_parser("export", help="xuất ra tệp nháp / export to a draft file", formatter_class=formatter)
    q.add_argument("id", type=int)
    q.add_argument("-o", "--output", required=True)
    q.set_defaults(handler=cmd_drafts_export)

    p = add("import", cmd_import, "Nhập danh sách từ Excel / import a list from Excel")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--form", required=True, metavar="CODE")
    p.add_argument("--into", metavar="DRAFT", help="thêm vào tệp nháp / append to this draft file")
    p.add_argument("--column", action="append", metavar="C=FIELD",
                   help="gán tay cột C cho trường FIELD (C= để bỏ cột) / map column C to FIELD by hand (C= sets "
                        "it aside)")
    attachments_option(p)

    p = add("print", cmd_print, "In biểu mẫu ra PDF / print the forms to PDF")
    p.add_argument("draft")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--form", action="append", metavar="CODE")
    p.add_argument("--place", help="nơi lập, ví dụ TP. Hồ Chí Minh / place written before the date")
    attachments_option(p)

    p = add("export", cmd_export, "Xuất danh sách ra Excel / export lists to Excel")
    p.add_argument("draft")
    p.add_argument("--form", action="append", metavar="CODE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    attachments_option(p)

    p = add("schemas", cmd_schemas, "Sinh hoặc kiểm tra XSD từ danh mục / write or check the form XSDs")
    p.add_argument("action", choices=("write", "check"))

    p = add("contributions", cmd_contributions,
            "Số phải đóng của đơn vị và người lao động / what the unit and employees pay")
    p.add_argument("draft", metavar="DRAFT.json")
    p.add_argument("--json", action="store_true")
    attachments_option(p)
    p.add_argument("--budget-funded", action="store_true",
                   help="đơn vị do ngân sách nhà nước bảo đảm chi thường xuyên: không áp dụng mức giảm tạm "
                        "thời 2021-2022 / the State budget pays the unit's regular spending: no 2021-2022 cuts")
