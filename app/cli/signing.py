"""Commands on tokens and signatures: tokens, sign (with a token, or an individual's SMS code), verify,
register-cert. ``sign`` is ``app.actions.signing`` with files for its sink; what is here is the reading of
arguments, the early token helper, and the printing."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from pathlib import Path

from bhxh_desk.app.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    attachments_option,
    lang_of,
    print_issues,
    print_json,
    tell_migrations,
)
from bhxh_desk.forms.errors import BhxhError, DraftError


def _trust_material(paths: list[str] | None):
    """--trust files: self-signed certificates become anchors (beside the bundled MIC root), others are
    intermediates available to chain building."""
    from bhxh_desk.signing.certcheck import trust_material

    return trust_material(paths or ())


def crl_source(lang: str, *, tell: bool = False):
    """Where revocation is checked from: CRLs kept in the cache folder, fetched when stale, and the
    setting that says whether "revocation unknown" blocks. ``tell``: notes go to stderr as they are
    found (before the PIN is asked)."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.signing.revocation import CrlSource

    def on_note(note) -> None:
        print(note.message(lang), file=sys.stderr)

    def block() -> bool:          # read only when a CRL cannot be had: the checked-file path stays light
        from bhxh_desk.app.settings import Settings

        return bool(Settings.load().get("revocation_unknown_blocks"))

    return CrlSource(default_paths().cache / "crl", block_unknown=block, on_note=on_note if tell else None)


def cmd_tokens(args: argparse.Namespace) -> int:
    from bhxh_desk.signing.certs import facts
    from bhxh_desk.signing.token.client import TokenHelper
    from bhxh_desk.signing.token.records import PinStatus
    from bhxh_desk.signing.token.spawn import early_helper

    with TokenHelper(args.pkcs11_module, started=early_helper()) as helper:
        found = helper.certificates()
        tokens = helper.call("list")["tokens"]
    lang = lang_of(args)
    states = {t["serial"]: PinStatus.from_flags(t["flags"], t.get("hardware", False)).state for t in tokens}
    if args.json:
        print_json({
            "module": helper.module,
            "tokens": [{"serial": t["serial"], "label": t["label"], "manufacturer": t["manufacturer"],
                        "model": t["model"], "pin_state": states[t["serial"]]} for t in tokens],
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
        print(BhxhError("token.no_token").message(lang))
        return EXIT_ERROR
    from bhxh_desk.forms.messages import render

    for t in tokens:
        print(f"{t['label']}  (serial {t['serial']}, {t['manufacturer']} {t['model']})  "
              f"PIN: {render('token.pin_state.' + states[t['serial']], lang)}")
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


def _warm_up(helper, listed: list) -> None:
    """Start the helper and list the certificates into ``listed``; errors surface again, with their
    message, when signing lists for itself (it does when ``listed`` is empty)."""
    with contextlib.suppress(BhxhError):
        listed.extend(helper.certificates())


class _Store:
    """The default store, opened only if a signature needs it (the register, an override's audit), and
    closed when the command ends."""

    def __init__(self) -> None:
        self.store = None

    def __call__(self):
        if self.store is None:
            from bhxh_desk.app.store import Store

            self.store = Store()
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def cmd_sign(args: argparse.Namespace) -> int:
    if args.otp:
        return sign_with_otp(args)
    from bhxh_desk.app.actions import signing
    from bhxh_desk.signing.token.client import TokenHelper
    from bhxh_desk.signing.token.spawn import early_helper

    lang = lang_of(args)
    opened = _Store()
    with TokenHelper(args.pkcs11_module, started=early_helper()) as helper:
        # The helper and its driver start on the other core while the dossiers are read and checked.
        listed: list = []
        warm = threading.Thread(target=_warm_up, args=(helper, listed), daemon=True)
        warm.start()
        from bhxh_desk.forms.errors import InvalidDossier
        from bhxh_desk.signing.prompter import EnvPinPrompter, TerminalPrompter

        # Everything that can fail without the token fails first: no PIN is asked for a dossier that cannot go.
        outputs = _output_paths(args.drafts, args.output)
        from bhxh_desk.app.actions.checking import check_memo

        memo = check_memo()
        from bhxh_desk.app.actions import batch

        folders = None                     # the drafts' own folders; forms.attachments only loads when asked
        if args.attachments_from:
            from bhxh_desk.forms.attachments import AttachmentFolders

            folders = AttachmentFolders(tuple(Path(f) for f in args.attachments_from))
        dossiers = []
        for path, out in zip(args.drafts, outputs, strict=True):
            if batch.already_signed(path, out, trust=args.trust or (), folders=folders):    # never signed twice
                print(out)
                print(BhxhError("batch.skipped", output=str(out)).message(lang), file=sys.stderr)
                continue
            try:
                dossier = signing.from_file(path, out, memo, folders)
            except InvalidDossier as exc:
                print(f"{path}: {exc.message(lang)}", file=sys.stderr)
                print_issues(exc.issues, lang)
                return EXIT_INVALID
            tell_migrations(dossier.migrations, args)
            dossiers.append(dossier)
        if not dossiers:
            return EXIT_OK                     # every one signed by an earlier run: no PIN asked

        def notify(code: str, params: dict) -> None:
            print(BhxhError(code, **params).message(lang), file=sys.stderr)

        prompter = EnvPinPrompter(args.pin_env, notify) if args.pin_env else TerminalPrompter(lang)
        warm.join()

        def progress(done: int, total: int, label: str) -> None:
            print(dossiers[done - 1].target, file=sys.stdout)
            print(f"[{done}/{total}] {label}", file=sys.stderr)

        from bhxh_desk.signing.revocation import active

        try:
            with active(crl_source(lang, tell=True)):       # the chain's CRLs, checked before the PIN
                outcome = signing.sign(
                    dossiers, helper=helper,
                    choice=signing.TokenChoice(args.token_serial, args.token_label, args.key_id),
                    prompter=prompter,
                    sink=batch.RecordingSink(signing.FileSink(opened), dict(zip(outputs, args.drafts, strict=True))),
                    override_reason=args.override_tax_code,
                    extra_trust=args.trust or (), audit=opened, listed=listed, progress=progress)
        finally:
            opened.close()
    if outcome.stopped is not None:
        print(BhxhError("sign.partial", done=len(outcome.signed), total=len(dossiers),
                        reason=outcome.stopped.message(lang)).message(lang), file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def sign_with_otp(args: argparse.Namespace) -> int:
    """``bhxh-desk sign DRAFT --otp CODE -o OUT``: the code goes into CKy_Dvi in place of a signature."""
    from bhxh_desk.app.actions import otp
    from bhxh_desk.app.cli.common import read_draft, write
    from bhxh_desk.app.store import Store

    if len(args.drafts) != 1:
        raise BhxhError("cli.usage", reason="--otp signs one draft")
    draft = read_draft(args.drafts[0], args)
    with Store() as store:
        data = otp.confirm(store, draft, args.otp)
    write(Path(args.output), data)
    print(args.output)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from bhxh_desk.signing.dossier import verify_dossier

    lang = lang_of(args)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise DraftError("draft.cannot_open", path=args.file, reason=exc.strerror or str(exc)) from None
    from bhxh_desk.signing.revocation import active

    anchors, intermediates = _trust_material(args.trust)
    with active(crl_source(lang)) as crls:
        results = verify_dossier(data, anchors=anchors, intermediates=intermediates)
    notes = {r.where: [n.message(lang) for n in crls.noted.get(r.signer.serial, ())] if r.ok else []
             for r in results}
    ok = all(r.ok for r in results)
    if args.json:
        print_json({"valid": ok, "signatures": [
            {"where": r.where, "signer": r.signer.subject, "tax_code": r.signer.tax_code,
             "certificate_serial": r.signer.serial, "not_before": r.signer.not_before.isoformat(),
             "not_after": r.signer.not_after.isoformat(),
             "signing_time": r.signing_time.isoformat() if r.signing_time else None,
             "trusted": r.ok, "problem": r.trust_error.message(lang) if r.trust_error else None,
             "notes": notes[r.where]}
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
            for note in notes[r.where]:
                print(f"    {note}")
    return EXIT_OK if ok else EXIT_INVALID


def add_parsers(add, formatter) -> None:
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
    attachments_option(p)
    p.add_argument("--otp", metavar="CODE", help="mã xác thực thay chữ ký (cá nhân) / transaction code instead "
                                                 "of a signature (individuals)")

    p = add("verify", cmd_verify, "Kiểm tra chữ ký hồ sơ / verify a signed dossier")
    p.add_argument("file")
    p.add_argument("--trust", action="append", metavar="PEM")
    p.add_argument("--json", action="store_true")
