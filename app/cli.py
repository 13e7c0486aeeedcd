"""The ``bhxh-desk`` command.

Each subcommand imports what it needs inside its handler, so that ``bhxh-desk procedures`` starts without
lxml, sqlite or Qt. Every user-facing failure is a ``BhxhError`` printed as one translated line; an
unexpected exception is written to the log with its traceback and shown as a short message, never as a
traceback.

Exit codes: 0 success; 1 the input is invalid (``validate``); 2 the input cannot be read or the command
failed; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from bhxh_desk.forms.errors import BhxhError, DraftError

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _lang(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or os.environ.get("BHXH_DESK_LANG", "vi")


def _opened(draft, args: argparse.Namespace | None = None):
    """A draft as read, after telling the user (stderr, one line each) what was moved to open it in
    today's catalog (forms.migrate)."""
    lang = _lang(args) if args is not None else os.environ.get("BHXH_DESK_LANG", "vi")
    for change in draft.migrations:
        print(change.message(lang), file=sys.stderr)
    return draft


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- procedures

def cmd_procedures(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.catalog import load_catalog

    catalog = load_catalog()
    lang = _lang(args)
    if args.json:
        _print_json([
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


# ---------------------------------------------------------------- validate / build

def cmd_validate(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.validate import Severity, validate

    lang = _lang(args)
    issues = validate(_opened(read_draft(args.draft), args))
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    if args.json:
        _print_json({"valid": errors == 0, "errors": errors, "warnings": len(issues) - errors,
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


def _write_output(path: Path, *parts: bytes | memoryview) -> None:
    """Write through a temporary file so that a failure never leaves a partial output. A file given in
    parts (a signed envelope) is written part after part, not joined first."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.writelines(parts)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DraftError("draft.cannot_write", path=str(path), reason=exc.strerror or str(exc)) from None


def cmd_build(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.xmlbuild import InvalidDossier, build_unsigned

    lang = _lang(args)
    try:
        draft = _opened(read_draft(args.draft), args)
        data = build_unsigned(draft, created=_parse_created(args.date), memo=_check_memo())
    except InvalidDossier as exc:
        print(exc.message(lang), file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue.where()}: {issue.message(lang)} ({issue.code})", file=sys.stderr)
        return EXIT_INVALID
    _write_output(Path(args.output), data)
    print(args.output)
    return EXIT_OK


# ---------------------------------------------------------------- drafts in the store

def _store(args: argparse.Namespace):
    from bhxh_desk.app.store import Store

    return Store(Path(args.store) if args.store else None)


def cmd_drafts_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        infos = store.drafts(unit_code=args.unit)
    if args.json:
        _print_json([
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
    from bhxh_desk.forms.draft import read_draft

    drafts = [_opened(read_draft(path), args) for path in args.files]     # all read first: no half import
    with _store(args) as store:
        for path, draft in zip(args.files, drafts, strict=True):
            draft_id = store.create_draft(draft, action="import")
            print(f"{draft_id}\t{path}")
    return EXIT_OK


def cmd_drafts_export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        draft = store.load_draft(args.id)
        store.record("export", args.id, str(args.output))
    _write_output(Path(args.output), draft.to_json().encode("utf-8"))
    print(args.output)
    return EXIT_OK


# ---------------------------------------------------------------- Excel

def cmd_import(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.draft import read_draft, write_draft
    from bhxh_desk.forms.excel import import_sheet

    lang = _lang(args)
    result = import_sheet(Path(args.file), args.form)
    for note in result.converted:
        print(note.message(lang), file=sys.stderr)
    for note in result.refused:
        print(note.message(lang), file=sys.stderr)
    if result.refused:
        print(BhxhError("excel.import_refused", count=len(result.refused)).message(lang), file=sys.stderr)
        return EXIT_INVALID
    if args.into:
        draft = _opened(read_draft(args.into), args)
        draft.forms.setdefault(args.form, []).extend(result.rows)
        write_draft(draft, args.into)
        print(f"{len(result.rows)} → {args.into} ({args.form})")
    else:
        _print_json({args.form: result.rows})
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.excel import export

    draft = _opened(read_draft(args.draft), args)
    codes = args.form or [c for c in draft.forms if draft.forms[c]]
    export({code: draft.rows(code) for code in codes}, Path(args.output))
    print(args.output)
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.printing import render

    draft = _opened(read_draft(args.draft), args)
    pages = render(draft, Path(args.output), forms=args.form, place=args.place or "")
    print(f"{args.output} ({pages} trang)")
    return EXIT_OK


# ---------------------------------------------------------------- the window

def cmd_gui(args: argparse.Namespace) -> int:
    return open_window(_lang(args), on_failure=lambda text: (print(text, file=sys.stderr), EXIT_ERROR)[1])


def open_window(lang: str, on_failure) -> int:
    """The desktop window, or ``on_failure(hint)`` when it cannot open here (app.desktop says why, before
    Qt is started where it can tell, and from Qt's own last words where it cannot)."""
    from bhxh_desk.app import desktop
    from bhxh_desk.forms.messages import render

    def hint(problem: desktop.Problem) -> str:
        return render(problem.code, lang, detail=problem.detail)

    problem = desktop.window_problem()
    if problem is not None:
        return on_failure(hint(problem))

    def qt_gave_up(problem: desktop.Problem) -> None:
        code = on_failure(hint(problem))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)          # inside Qt's fatal handler: returning would abort

    desktop.guard_qt_start(qt_gave_up)
    from bhxh_desk.app.ui.qt_app import run

    return run([sys.argv[0]])


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from bhxh_desk.app import desktop_entry

    if args.uninstall:
        for path in desktop_entry.uninstall():
            print(path)
        return EXIT_OK
    done = desktop_entry.install()
    vi = _lang(args) != "en"
    print(("Đã thêm vào menu: " if vi else "Added to the menu: ") + str(done.entry))
    print(("Lệnh chạy: " if vi else "Command: ") + done.command)
    return EXIT_OK


def _no_command(parser: argparse.ArgumentParser, lang: str) -> int:
    """``bhxh-desk`` alone: the window where one can open; elsewhere a one-line hint, the help, exit 0."""
    def explain(text: str) -> int:
        print(text, file=sys.stderr)
        parser.print_help()
        return EXIT_OK

    return open_window(lang, on_failure=explain)


# ---------------------------------------------------------------- schemas

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


# ---------------------------------------------------------------- tokens, sign, verify

def _trust_material(paths: list[str] | None):
    """--trust files: self-signed certificates become anchors (beside the bundled MIC root), others are
    intermediates available to chain building."""
    from bhxh_desk.signing.certcheck import trust_material

    return trust_material(paths or ())


def cmd_tokens(args: argparse.Namespace) -> int:
    from bhxh_desk.app.launch import early_token_helper
    from bhxh_desk.signing.certs import facts
    from bhxh_desk.signing.token.client import TokenHelper

    with TokenHelper(args.pkcs11_module, started=early_token_helper()) as helper:
        found = helper.certificates()
        tokens = helper.call("list")["tokens"]
    if args.json:
        _print_json({
            "module": helper.module,
            "tokens": [{"serial": t["serial"], "label": t["label"], "manufacturer": t["manufacturer"],
                        "model": t["model"]} for t in tokens],
            "certificates": [
                {"token_serial": c.token.serial, "token_label": c.token.label, "key_id": c.key_id,
                 "subject": facts(c.certificate).subject, "issuer": facts(c.certificate).issuer,
                 "tax_code": facts(c.certificate).tax_code, "serial": facts(c.certificate).serial,
                 "not_before": facts(c.certificate).not_before.isoformat(),
                 "not_after": facts(c.certificate).not_after.isoformat()}
                for c in found
            ],
        })
        return EXIT_OK
    if not tokens:
        print(BhxhError("token.no_token").message(_lang(args)))
        return EXIT_ERROR
    for t in tokens:
        print(f"{t['label']}  (serial {t['serial']}, {t['manufacturer']} {t['model']})")
        for c in (c for c in found if c.token.serial == t["serial"]):
            f = facts(c.certificate)
            print(f"    key {c.key_id:<10} {f.subject}  MST {f.tax_code or '-'}  {f.validity_text()}  [{f.issuer}]")
    return EXIT_OK


def _output_paths(drafts: list[str], output: str) -> list[Path]:
    if len(drafts) == 1:
        return [Path(output)]
    from bhxh_desk.forms.filenames import safe_name

    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    names = [safe_name(Path(d).stem, "dossier") for d in drafts]
    return [folder / (f"{n}.xml" if names.count(n) == 1 else f"{n}-{i}.xml") for i, n in enumerate(names, 1)]


def _check_memo():
    """The record of files already checked in full (forms.checkmemo), in the user's cache folder."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.forms.checkmemo import CheckMemo

    return CheckMemo(default_paths().cache / "checked")


def cmd_sign(args: argparse.Namespace) -> int:
    if args.otp:
        from bhxh_desk.app.gateway_commands import sign_with_otp

        return sign_with_otp(args)
    from bhxh_desk.app.launch import early_token_helper
    from bhxh_desk.signing.token.client import TokenHelper

    lang = _lang(args)
    with TokenHelper(args.pkcs11_module, started=early_token_helper()) as helper:
        # The helper and its driver start on the other core while the dossiers are read and checked.
        listed: list = []
        warm = threading.Thread(target=_warm_up, args=(helper, listed), daemon=True)
        warm.start()
        from datetime import UTC, datetime

        from bhxh_desk.forms.errors import InvalidDossier
        from bhxh_desk.signing.errors import SigningError
        from bhxh_desk.signing.prompter import EnvPinPrompter, TerminalPrompter

        # Everything that can fail without the token fails first: no PIN is asked for a dossier that cannot go.
        memo = _check_memo()
        envelopes = []
        for path in args.drafts:
            try:
                envelopes.append(_load_for_signing(path, memo))
            except InvalidDossier as exc:
                print(f"{path}: {exc.message(lang)}", file=sys.stderr)
                for issue in exc.issues:
                    print(f"  {issue.where()}: {issue.message(lang)} ({issue.code})", file=sys.stderr)
                return EXIT_INVALID
        outputs = _output_paths(args.drafts, args.output)
        prompter = EnvPinPrompter(args.pin_env) if args.pin_env else TerminalPrompter(lang)
        now = datetime.now(UTC)
        done = 0
        warm.join()
        cert = helper.find(serial=args.token_serial, label=args.token_label, key_id=args.key_id, prompter=prompter,
                           certificates=listed)
        _check_certificate(args, listed or helper.certificates(), cert, envelopes, now)
        with helper.session(cert, prompter) as session:
            try:
                for path, envelope, out in zip(args.drafts, envelopes, outputs, strict=True):
                    _write_output(out, *envelope.sign_in_parts(session, signing_time=now).parts)
                    done += 1
                    print(f"{out}", file=sys.stdout)
                    print(f"[{done}/{len(envelopes)}] {path}", file=sys.stderr)
            except SigningError as exc:
                if done == 0:
                    raise
                print(BhxhError("sign.partial", done=done, total=len(envelopes), reason=exc.message(lang))
                      .message(lang), file=sys.stderr)
                return EXIT_ERROR
    return EXIT_OK


def _check_certificate(args: argparse.Namespace, listed, cert, envelopes, now) -> None:
    """Validity, key usage, each unit's tax code and the chain, before any PIN is asked."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.signing.certcheck import check_before_signing
    from bhxh_desk.signing.certmemo import CertMemo

    token_ders = [c.der for c in listed if c.token.serial == cert.token.serial and c.der != cert.der]
    check_before_signing(cert.der, at=now, unit_tax_codes=[e.unit_tax_code for e in envelopes],
                         override_reason=args.override_tax_code, extra_trust=args.trust or (),
                         token_ders=token_ders, memo=CertMemo(default_paths().cache / "certificates"))
    if args.override_tax_code:
        _record_override(args, cert, envelopes)


def _warm_up(helper, listed: list) -> None:
    """Start the helper and list the certificates into ``listed``; errors surface again, with their
    message, when ``find`` lists for itself (it does when ``listed`` is empty)."""
    with contextlib.suppress(BhxhError):
        listed.extend(helper.certificates())


def _load_for_signing(path: str, memo):
    """A draft (JSON) is validated and built; an unsigned BHXHDienTu.xml is checked and signed as it is."""
    from bhxh_desk.signing.envelope import prepare

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DraftError("draft.cannot_open", path=path, reason=exc.strerror or str(exc)) from None
    if not data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        from bhxh_desk.forms.draft import read_draft
        from bhxh_desk.forms.xmlbuild import build_unsigned

        data = build_unsigned(_opened(read_draft(path)), memo=memo)
    return prepare(data, memo=memo)


def _record_override(args: argparse.Namespace, cert, envelopes) -> None:
    """An agent signing with a certificate of another tax code says why; the reason goes to the audit log."""
    from bhxh_desk.app.store import Store
    from bhxh_desk.signing.certs import facts

    with Store() as store:
        for e in envelopes:
            store.record("tax-code-override", None,
                         f"unit {e.unit_code} MST {e.unit_tax_code}; certificate "
                         f"{facts(cert.certificate).subject} MST {facts(cert.certificate).tax_code}; "
                         f"reason: {args.override_tax_code}")


def cmd_verify(args: argparse.Namespace) -> int:
    from bhxh_desk.signing.dossier import verify_dossier

    lang = _lang(args)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise DraftError("draft.cannot_open", path=args.file, reason=exc.strerror or str(exc)) from None
    anchors, intermediates = _trust_material(args.trust)
    results = verify_dossier(data, anchors=anchors, intermediates=intermediates)
    ok = all(r.ok for r in results)
    if args.json:
        _print_json({"valid": ok, "signatures": [
            {"where": r.where, "signer": r.signer.subject, "tax_code": r.signer.tax_code,
             "certificate_serial": r.signer.serial, "not_before": r.signer.not_before.isoformat(),
             "not_after": r.signer.not_after.isoformat(),
             "signing_time": r.signing_time.isoformat() if r.signing_time else None,
             "trusted": r.ok, "problem": r.trust_error.message(lang) if r.trust_error else None}
            for r in results]})
    else:
        for r in results:
            mark = "OK " if r.ok else "!! "
            when = r.signing_time.strftime("%d/%m/%Y %H:%M") if r.signing_time else "?"
            signed_at = "signed" if lang == "en" else "ký lúc"
            print(f"{mark}{r.where}: {r.signer.subject}  MST {r.signer.tax_code or '-'}  "
                  f"{r.signer.validity_text()}  {signed_at} {when}")
            if r.trust_error:
                print(f"    {r.trust_error.message(lang)}")
    return EXIT_OK if ok else EXIT_INVALID


# ---------------------------------------------------------------- parser

class _NotBuilt:
    """Stands in for the parsers of the commands not being run: building every subcommand's parser costs
    a command several milliseconds (argparse looks up translations for each one), which matters to
    ``bhxh-desk sign``. Every method takes its arguments and builds nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, given the terminal's width. Left to itself it imports shutil (with bz2
    and lzma) to ask for the width each time one is made, and argparse makes one for every argument."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_help_width())


def _help_width() -> int:
    """What argparse would use: $COLUMNS or the terminal's width (80 when there is none), less 2."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max((columns if columns > 0 else 80) - 2, 10)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only``, the parser of that one command (help for the others is not
    needed to run it). An unknown ``only`` gets the whole parser, so usage errors list every command."""
    from bhxh_desk.app import __version__

    parser = argparse.ArgumentParser(
        prog="bhxh-desk",
        description="Khai hồ sơ BHXH điện tử / Vietnam Social Security e-filing.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"bhxh-desk {__version__}")
    parser.add_argument("--selftest", action="store_true",
                        help="tự kiểm tra bản cài đặt / check this installation (headless)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        if only is not None and name != only:
            return _NotBuilt()      # type: ignore[return-value]
        p = sub.add_parser(name, help=help_text, description=help_text, formatter_class=_Formatter)
        p.set_defaults(handler=handler)
        p.add_argument("--lang", choices=("vi", "en"), help="ngôn ngữ thông báo / message language")
        return p

    p = add("procedures", cmd_procedures, "Liệt kê thủ tục và biểu mẫu / list procedures and their forms")
    p.add_argument("--json", action="store_true")

    p = add("validate", cmd_validate, "Kiểm tra hồ sơ nháp / validate a draft")
    p.add_argument("draft")
    p.add_argument("--json", action="store_true")

    p = add("build", cmd_build, "Lập tệp BHXHDienTu.xml chưa ký / build the unsigned envelope")
    p.add_argument("draft")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--date", help="ngày lập dd/mm/yyyy (mặc định hôm nay) / date made, default today")

    p = add("drafts", lambda a: (p.print_help(), EXIT_ERROR)[1], "Hồ sơ nháp trong kho / drafts in the store")
    p.add_argument("--store", help="tệp kho SQLite / store file (default: the data folder)")
    dsub = p.add_subparsers(dest="action", metavar="ACTION")
    q = dsub.add_parser("list", help="liệt kê / list", formatter_class=_Formatter)
    q.add_argument("--unit")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_drafts_list)
    q = dsub.add_parser("import", help="nhập tệp nháp / import draft files", formatter_class=_Formatter)
    q.add_argument("files", nargs="+")
    q.set_defaults(handler=cmd_drafts_import)
    q = dsub.add_parser("export", help="xuất ra tệp nháp / export to a draft file", formatter_class=_Formatter)
    q.add_argument("id", type=int)
    q.add_argument("-o", "--output", required=True)
    q.set_defaults(handler=cmd_drafts_export)

    p = add("tokens", cmd_tokens, "Liệt kê USB token và chứng thư / list tokens and certificates")
    p.add_argument("--pkcs11-module", help="thư viện PKCS#11 / PKCS#11 library path")
    p.add_argument("--json", action="store_true")

    p = add("sign", cmd_sign, "Ký hồ sơ bằng USB token / sign drafts with the USB token")
    p.add_argument("drafts", nargs="+", metavar="DRAFT")
    p.add_argument("-o", "--output", required=True, help="tệp (một hồ sơ) hoặc thư mục (nhiều) / file or folder")
    p.add_argument("--pkcs11-module")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--token-serial")
    g.add_argument("--token-label")
    p.add_argument("--key-id", help="CKA_ID (hex)")
    p.add_argument("--pin-env", metavar="VAR", help="biến môi trường chứa PIN / environment variable with the PIN")
    p.add_argument("--trust", action="append", metavar="PEM", help="thêm CA tin cậy / add a trusted CA")
    p.add_argument("--override-tax-code", metavar="REASON",
                   help="đại lý ký thay: lý do / agent signing for the unit: the reason (audited)")
    p.add_argument("--otp", metavar="CODE", help="mã xác thực thay chữ ký (cá nhân) / transaction code instead "
                                                 "of a signature (individuals)")

    p = add("verify", cmd_verify, "Kiểm tra chữ ký hồ sơ / verify a signed dossier")
    p.add_argument("file")
    p.add_argument("--trust", action="append", metavar="PEM")
    p.add_argument("--json", action="store_true")

    from bhxh_desk.app import contributions_command, gateway_commands

    gateway_commands.add_parsers(add)
    contributions_command.add_parser(add)

    add("gui", cmd_gui, "Mở chương trình (cửa sổ) / open the desktop window")
    p = add("install-desktop", cmd_install_desktop,
            "Thêm chương trình vào menu (Linux) / add the program to the desktop menu (Linux)")
    p.add_argument("--uninstall", action="store_true", help="gỡ khỏi menu / remove it from the menu")

    p = add("import", cmd_import, "Nhập danh sách từ Excel / import a list from Excel")
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--form", required=True, metavar="CODE")
    p.add_argument("--into", metavar="DRAFT", help="thêm vào tệp nháp / append to this draft file")

    p = add("print", cmd_print, "In biểu mẫu ra PDF / print the forms to PDF")
    p.add_argument("draft")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--form", action="append", metavar="CODE")
    p.add_argument("--place", help="nơi lập, ví dụ TP. Hồ Chí Minh / place written before the date")

    p = add("export", cmd_export, "Xuất danh sách ra Excel / export lists to Excel")
    p.add_argument("draft")
    p.add_argument("--form", action="append", metavar="CODE")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")

    p = add("schemas", cmd_schemas, "Sinh hoặc kiểm tra XSD từ danh mục / write or check the form XSDs")
    p.add_argument("action", choices=("write", "check"))
    if only is not None and only not in sub.choices:
        return build_parser()
    return parser


def _report_unexpected(exc: BaseException, lang: str) -> None:
    import logging
    import traceback

    try:
        from bhxh_desk.app import logs
        from bhxh_desk.app.paths import default_paths

        path = logs.setup(default_paths().logs)
        logging.getLogger("bhxh-desk").error("unexpected error\n%s", "".join(traceback.format_exception(exc)))
        where = str(path)
    except Exception:   # the log itself failed: still no traceback on screen
        where = "?"
    err = BhxhError("error.internal", reason=f"{type(exc).__name__}; log: {where}")
    print(err.message(lang), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_token-helper"]:          # the frozen bundle starts its token helper this way
        from bhxh_desk.signing.token.helper import main as helper_main

        return helper_main()
    if argv[:1] == ["--selftest"]:
        from bhxh_desk.app.selftest import run

        return run()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    lang = _lang(args)
    handler = getattr(args, "handler", None)
    if handler is None and not argv:
        return _no_command(parser, lang)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return int(handler(args))
    except BhxhError as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        _report_unexpected(exc, lang)
        return EXIT_ERROR
