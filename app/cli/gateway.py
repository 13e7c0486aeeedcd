"""Commands on the gateway: the sandbox, register-cert, submit, status, sync, OTP requests, export-signed.
Signing in, submitting and syncing are ``app.actions.gateway``'s; this module reads arguments and prints."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bhxh_desk.app.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    group_help,
    lang_of,
    open_store,
    print_json,
    read_draft,
    submission_json,
    submission_line,
    write,
)
from bhxh_desk.forms.errors import BhxhError, DraftError


def cmd_sandbox(args: argparse.Namespace) -> int:
    import signal
    import threading
    from datetime import timedelta

    from bhxh_desk.app.gateway.sandbox.results import Timing
    from bhxh_desk.app.gateway.sandbox.server import Faults, Sandbox, make_server, url_of
    from bhxh_desk.signing import certs

    extra = [c for path in args.trust or [] for c in certs.load_pem_file(path)]
    sandbox = Sandbox(data=Path(args.data), timing=Timing(args.processing_after, args.result_after),
                      faults=Faults(latency=args.latency / 1000, error_rate=args.error_rate,
                                    reset_rate=args.reset_rate, lose_reply_rate=args.lose_reply_rate,
                                    seed=args.fault_seed),
                      otp_ttl=timedelta(seconds=args.otp_ttl), extra_trust=extra, no_dedupe=args.no_dedupe)
    server = make_server(sandbox, args.host, args.port, tls=args.tls)
    url = url_of(server, args.tls)
    info = {"url": url, "ca": str(sandbox.pki.ca_cert), "data": str(Path(args.data).resolve()),
            "sms_outbox": str(sandbox.sms_outbox()), "tls": args.tls}
    (Path(args.data) / "server.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    print(json.dumps(info), flush=True)
    print("CHẾ ĐỘ THỬ NGHIỆM — cổng tiếp nhận thử nghiệm, không nộp hồ sơ thật cho BHXH "
          "(sandbox gateway, nothing reaches BHXH).", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.exit_with_parent:
        # Started by the window: never outlive it, even when it is killed.
        parent = os.getppid()

        def watch() -> None:
            while not stop.wait(1.0):
                if os.getppid() != parent:
                    stop.set()

        threading.Thread(target=watch, daemon=True).start()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    sandbox.db.close()
    return EXIT_OK


def cmd_sandbox_add_unit(args: argparse.Namespace) -> int:
    from bhxh_desk.app.gateway.sandbox.db import SandboxDB

    password = os.environ.get(args.password_env or "")
    if not password:
        raise BhxhError("gw.no_password", account=args.code, url=args.data)
    kind = "agent" if args.agent else "person" if args.person else "unit"
    db = SandboxDB(Path(args.data) / "sandbox.sqlite3")
    units = [u.strip() for u in (args.units or "").split(",") if u.strip()]
    db.add_account(args.code, kind=kind, password=password, tax_code=args.tax_code or "", name=args.name or "",
                   phone=args.phone or "", units=units)
    db.close()
    print(f"{kind} {args.code}: {', '.join([args.code, *units])}")
    return EXIT_OK


def cmd_sandbox_sms(args: argparse.Namespace) -> int:
    import re

    from bhxh_desk.app.gateway.sandbox.db import SandboxDB

    db = SandboxDB(Path(args.data) / "sandbox.sqlite3")
    messages = db.sms(args.to)
    db.close()
    if args.code:
        codes = [m for _, text in messages for m in re.findall(r"la (\d{6})", text)]
        if not codes:
            raise BhxhError("otp.no_request")
        print(codes[-1])
        return EXIT_OK
    for at, text in messages:
        print(f"{at}  {text}")
    return EXIT_OK


def cmd_sandbox_demo(args: argparse.Namespace) -> int:
    from bhxh_desk.app.gateway.sandbox import demo

    d = demo.create(Path(args.data))
    if args.shell:        # for eval "$(...)": throwaway test-mode values only
        import shlex

        values = {"SOFTHSM2_CONF": d.softhsm_conf, "BHXH_DESK_PKCS11_MODULE": d.module,
                  "BHXH_DESK_GATEWAY": f"http://127.0.0.1:{args.port}", "BHXH_DESK_GATEWAY_CA": d.ca,
                  "DEMO_PASSWORD": d.password, "DEMO_PIN": d.pin}
        sys.stdout.write("".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in values.items()))
        return EXIT_OK
    if args.json:
        print_json({"unit": d.unit, "password": d.password, "pin": d.pin, "softhsm_conf": str(d.softhsm_conf),
                     "module": d.module, "ca": str(d.ca)})
        return EXIT_OK
    print(f"""CHẾ ĐỘ THỬ NGHIỆM / TEST MODE — dữ liệu thử, không dùng cho hồ sơ thật.
  Đơn vị / unit:        {d.unit}   mật khẩu / password: {d.password}
  USB token (SoftHSM2): {demo.DEMO_LABEL}   PIN: {d.pin}
  export SOFTHSM2_CONF={d.softhsm_conf}
  export BHXH_DESK_PKCS11_MODULE={d.module}
  export BHXH_DESK_GATEWAY_CA={d.ca}""")
    return EXIT_OK


def cmd_register_cert(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.serialization import Encoding

    from bhxh_desk.signing import certs

    if args.cert:
        der = certs.load_pem_file(args.cert)[0].public_bytes(Encoding.DER)
    else:
        from bhxh_desk.signing.token.client import TokenHelper

        with TokenHelper(args.pkcs11_module) as helper:
            der = helper.find(serial=args.token_serial, label=args.token_label, key_id=args.key_id).der
    with _client(args) as client:
        record = client.register_certificate(der)
    if args.json:
        print_json(record.to_json())
    else:
        print(f"{record.subject}  MST {record.tax_code or '-'}  serial {record.serial}  "
              f"{record.not_before[:10]} – {record.not_after[:10]}")
    return EXIT_OK


def cmd_export_signed(args: argparse.Namespace) -> int:
    """For upload by hand through the gddt portal: the signed file exactly as it was (to be) filed."""
    from bhxh_desk.app.store.outbox import Outbox

    with open_store(args) as store:
        outbox = Outbox(store)
        sub = outbox.get(int(args.ref)) if args.ref.isdigit() else outbox.find(args.ref)
        data = outbox.file(sub.id)
        result = outbox.result(sub.id) if args.result else None
        store.record("export-signed", sub.draft_id, f"submission {sub.id} → {args.output}")
    write(Path(args.output), data)
    print(args.output)
    if result is not None:
        out = Path(args.output).with_suffix(".ketqua.xml")
        write(out, result)
        print(out)
    return EXIT_OK


# ---------------------------------------------------------------- signing in

def _access(args: argparse.Namespace):
    """The gateway of this command: --gateway, BHXH_DESK_GATEWAY or the settings; its CA likewise."""
    from bhxh_desk.app.actions.gateway import GatewayAccess

    url = args.gateway or os.environ.get("BHXH_DESK_GATEWAY")
    if not url:
        from bhxh_desk.app.settings import Settings

        url = Settings.load().get("gateway_url")
    ca = args.ca or os.environ.get("BHXH_DESK_GATEWAY_CA") or None
    return GatewayAccess(url or "", ca, timeout=args.timeout, retries=4)


def _account(args: argparse.Namespace) -> str:
    account = args.account or args.unit
    if not account:
        raise BhxhError("cli.usage", reason="--unit or --account")
    return account


def _client(args: argparse.Namespace):
    return _access(args).connect(_account(args), unit=args.unit, env_var=args.password_env)


# ---------------------------------------------------------------- submit, status, sync

def cmd_submit(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions import gateway
    from bhxh_desk.app.gateway.errors import Unexpected, Unreachable
    from bhxh_desk.forms.xmlread import read_envelope

    lang = lang_of(args)
    items = []
    for path in args.files:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise DraftError("draft.cannot_open", path=path, reason=exc.strerror or str(exc)) from None
        unit = read_envelope(data).unit.code
        items.append(gateway.ToQueue(data, args.unit or unit))
    access = _access(args)
    with open_store(args) as store:
        queued = gateway.queue(store, items, gateway=access.url, account=args.account or args.unit)
        try:
            client = access.connect(args.account or args.unit or items[0].unit, unit=args.unit,
                                    env_var=args.password_env)
        except (Unreachable, Unexpected) as exc:       # queued: sent when the gateway answers as it should
            print(exc.message(lang), file=sys.stderr)
            client = None
        try:
            outcome = gateway.send(store, queued, client, access.trust())
        finally:
            if client is not None:
                client.close()
    for _, why in outcome.waiting:
        if why:
            print(why, file=sys.stderr)
    if args.json:
        print_json([submission_json(s) for s in outcome.results])
    else:
        for s in outcome.results:
            print(submission_line(s, lang))
    return EXIT_INVALID if outcome.refused else EXIT_ERROR if outcome.waiting else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions import gateway
    from bhxh_desk.app.store.outbox import Submission
    from bhxh_desk.app.workflow import State

    access = _access(args)
    with open_store(args) as store, _client(args) as client:
        found = gateway.status(store, client, access.trust(), args.so_ho_so)
    if isinstance(found, Submission):
        if args.json:
            print_json(submission_json(found))
        else:
            print(submission_line(found, lang_of(args)))
        if found.state is State.RESULT and not found.result_verified:
            print(BhxhError("gw.result_not_verified", so_ho_so=found.so_ho_so).message(lang_of(args)),
                  file=sys.stderr)
            return EXIT_ERROR
    elif args.json:
        print_json(found.to_json())
    else:
        print(f"{found.so_ho_so}  {found.status} {found.to_json()['status_text_vi']}  {found.updated_at}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions import gateway

    lang = lang_of(args)
    access = _access(args)
    if args.daemon:
        return _sync_office(args, access, lang)
    with open_store(args) as store, _client(args) as client:
        report = gateway.sync(store, client, access.trust(),
                              on_progress=None if args.json else lambda s: print(submission_line(s, lang), flush=True))
    if args.json:
        print_json({"sent": [submission_json(s) for s in report.sent],
                    "refused": [submission_json(s) for s in report.refused],
                    "progressed": [submission_json(s) for s in report.progressed],
                    "settled": [submission_json(s) for s in report.settled],
                    "waiting": [{**submission_json(s), "why": why} for s, why in report.waiting]})
    elif not (report.sent or report.refused or report.progressed or report.settled or report.waiting):
        print(BhxhError("outbox.nothing").message(lang))
    for _, why in report.waiting:
        print(why, file=sys.stderr)
    unverified = [s for s in report.settled if not s.result_verified]      # a result not to be trusted
    for s in unverified:
        print(BhxhError("gw.result_not_verified", so_ho_so=s.so_ho_so).message(lang), file=sys.stderr)
    return EXIT_ERROR if report.waiting or unverified else EXIT_OK


def _sync_office(args: argparse.Namespace, access, lang: str) -> int:
    """``sync --daemon``: every account with work that this sender holds a password for (its --credentials
    file, --password-env, or this PC's keyring), the others left to the workstations that do; with
    --exit-when-done it stops when nothing it can send is left (a workstation's one-off run)."""
    import time

    from bhxh_desk.app.actions import office

    credentials = office.read_credentials(args.credentials) if args.credentials else None
    password_of = office.password_source(access, credentials=credentials, env_var=args.password_env)
    if credentials is not None:
        able = sorted(credentials)
    else:                   # the keyring's: the accounts with work that it holds a password for
        with open_store(args) as store:
            able = [a for a in sorted({a for a, _ in office.pending_accounts(store, access.url)}) if password_of(a)]
    print(BhxhError("office.daemon_units", units=", ".join(able) or "-",
                    store=open_store_location(args)).message(lang), flush=True)
    rounds, waited = 0, False
    while True:
        with open_store(args) as store:
            done = office.sync_office(store, access, password_of, settle=not args.send_only,
                                      on_progress=None if args.json else
                                      lambda s: print(submission_line(s, lang), flush=True))
            left = office.sendable_accounts(store, access.url)
        rounds += 1
        for account in done.without_password:
            print(BhxhError("office.no_password_here", account=account).message(lang), file=sys.stderr)
        for why in done.unreachable:
            print(why, file=sys.stderr)
        waited = bool(done.waiting or done.unreachable)
        if not args.daemon or (args.rounds and rounds >= args.rounds) or (args.exit_when_done and not any(
                password_of(a) for a in left)):
            break
        time.sleep(args.interval)
    if args.json:
        print_json({"sent": [submission_json(s) for s in done.all("sent")],
                    "refused": [submission_json(s) for s in done.all("refused")],
                    "settled": [submission_json(s) for s in done.all("settled")],
                    "without_password": done.without_password})
    return EXIT_ERROR if waited else EXIT_OK


def open_store_location(args: argparse.Namespace) -> str:
    from bhxh_desk.app.store.backend import default_location
    from bhxh_desk.app.store.postgres import redacted

    return redacted(str(args.store or default_location()))


# ---------------------------------------------------------------- OTP

def cmd_otp_request(args: argparse.Namespace) -> int:
    from bhxh_desk.app.actions import otp

    draft = read_draft(args.draft, args)
    otp.require_person(draft)
    args.unit = args.unit or draft.unit.code
    with _client(args) as client, open_store(args) as store:
        challenge = otp.request_code(store, client, draft)
    if args.json:
        print_json({"request_id": challenge.request_id, "expires_at": challenge.expires_at,
                    "sent_to": challenge.sent_to})
    else:
        print(f"Đã gửi mã xác thực tới {challenge.sent_to}; hết hạn {challenge.expires_at}. "
              f"Ký bằng: bhxh-desk sign {args.draft} --otp MÃ -o BHXHDienTu.xml")
    return EXIT_OK


def _gateway_options(p: argparse.ArgumentParser, *, unit_required: bool = False) -> None:
    p.add_argument("--gateway", metavar="URL", help="địa chỉ cổng / gateway URL (or BHXH_DESK_GATEWAY)")
    p.add_argument("--unit", required=unit_required, help="đơn vị giao dịch / unit to act for")
    p.add_argument("--account", help="tài khoản đăng nhập (đại lý) / sign-in account (agent); default: --unit")
    p.add_argument("--password-env", metavar="VAR", help="biến chứa mật khẩu / variable holding the password "
                                                          "(default: the OS keyring)")
    p.add_argument("--ca", metavar="PEM", help="CA của cổng / the gateway's CA (or BHXH_DESK_GATEWAY_CA)")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--json", action="store_true")


def add_parsers(add, formatter) -> None:
    p = add("sandbox", cmd_sandbox, "Chạy cổng tiếp nhận thử nghiệm / run the sandbox gateway")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--data", default="sandbox-data")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--trust", action="append", metavar="PEM", help="CA trusted for signatures, beyond MIC")
    p.add_argument("--processing-after", type=float, default=5.0, metavar="S")
    p.add_argument("--result-after", type=float, default=15.0, metavar="S")
    p.add_argument("--otp-ttl", type=float, default=300.0, metavar="S")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS")
    p.add_argument("--error-rate", type=float, default=0.0, metavar="P", help="share of 503 answers")
    p.add_argument("--reset-rate", type=float, default=0.0, metavar="P", help="share of connections reset")
    p.add_argument("--lose-reply-rate", type=float, default=0.0, metavar="P",
                   help="share of uploads stored, then the reply lost")
    p.add_argument("--fault-seed", type=int)
    p.add_argument("--no-dedupe", action="store_true",
                   help="chỉ để thử: mỗi lần tải lên là một hồ sơ mới / test only: file every upload as a new dossier")
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="sandbox_action", metavar="ACTION")
    q = sub.add_parser("add-unit", help="thêm tài khoản / add an account")
    q.add_argument("code")
    q.add_argument("--tax-code")
    q.add_argument("--password-env", required=True, metavar="VAR")
    q.add_argument("--data", default="sandbox-data")
    q.add_argument("--name")
    q.add_argument("--phone")
    kind = q.add_mutually_exclusive_group()
    kind.add_argument("--agent", action="store_true", help="an agent account")
    kind.add_argument("--person", action="store_true", help="an individual (account = mã số BHXH)")
    q.add_argument("--units", help="comma-separated units an agent may act for")
    q.set_defaults(handler=cmd_sandbox_add_unit)
    q = sub.add_parser("demo", help="đơn vị và USB token thử nghiệm / a demo unit and SoftHSM token")
    q.add_argument("--data", default="sandbox-data")
    q.add_argument("--json", action="store_true")
    q.add_argument("--shell", action="store_true", help="print export lines for eval")
    q.add_argument("--port", type=int, default=8765, help="the port the sandbox will listen on")
    q.set_defaults(handler=cmd_sandbox_demo)
    q = sub.add_parser("sms", help="hộp thư SMS của cổng thử nghiệm / the sandbox's SMS outbox")
    q.add_argument("to", metavar="MA_SO_BHXH")
    q.add_argument("--data", default="sandbox-data")
    q.add_argument("--code", action="store_true", help="print only the last code")
    q.set_defaults(handler=cmd_sandbox_sms)

    p = add("register-cert", cmd_register_cert, "Đăng ký chứng thư số với cổng / register a certificate")
    _gateway_options(p, unit_required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cert", metavar="PEM")
    src.add_argument("--pkcs11-module", metavar="PATH")
    p.add_argument("--token-serial")
    p.add_argument("--token-label")
    p.add_argument("--key-id")

    p = add("submit", cmd_submit, "Nộp hồ sơ đã ký / submit signed dossiers")
    p.add_argument("files", nargs="+", metavar="FILE.xml")
    _gateway_options(p)

    p = add("status", cmd_status, "Tra cứu trạng thái / look up a dossier")
    p.add_argument("so_ho_so", metavar="SO_HO_SO")
    _gateway_options(p)

    p = add("sync", cmd_sync, "Gửi hồ sơ chờ và cập nhật trạng thái / send what is queued, poll what is pending")
    _gateway_options(p)
    p.add_argument("--store", metavar="PATH|URL", help="kho dữ liệu / the store (a file, or postgresql://…; "
                                                         "or BHXH_DESK_STORE)")
    p.add_argument("--daemon", action="store_true",
                   help="chạy liên tục, gửi cho mọi đơn vị có mật khẩu / keep running, sending for every unit "
                        "it holds a password for")
    p.add_argument("--credentials", metavar="FILE",
                   help='mật khẩu riêng của tiến trình nền {"tài khoản": "mật khẩu"}, quyền 0600 / the daemon\'s '
                        'own passwords, a file only its user can read')
    p.add_argument("--interval", type=float, default=30.0, metavar="S", help="giữa hai lượt / between rounds")
    p.add_argument("--rounds", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--send-only", action="store_true", help="chỉ gửi, không tra cứu kết quả / only send, "
                                                             "do not poll for results")
    p.add_argument("--exit-when-done", action="store_true", help="dừng khi hết hồ sơ cần gửi / stop when nothing "
                                                                  "it can send is left")

    p = add("export-signed", cmd_export_signed,
            "Xuất tệp BHXHDienTu.xml đã ký (chưa có nguồn công khai xác nhận cổng BHXH nhận tệp do phần mềm khác lập) "
            "/ export the signed BHXHDienTu.xml (no public source confirms that a BHXH portal accepts a file made "
            "by another tool)")
    p.add_argument("ref", metavar="SO_HO_SO|ID")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--result", action="store_true", help="also the result document")

    p = add("otp", None, "Mã xác thực giao dịch / transaction codes")
    p.set_defaults(handler=group_help(p))
    osub = p.add_subparsers(dest="otp_action", metavar="ACTION")
    q = osub.add_parser("request", help="yêu cầu mã / request a code for a draft")
    q.add_argument("draft")
    _gateway_options(q)
    q.set_defaults(handler=cmd_otp_request)
