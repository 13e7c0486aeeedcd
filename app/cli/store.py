"""Commands on the local store itself: ``store check`` (a full check of the SQLite file) and ``store
recover`` (what can be read, copied into a new file that takes its place; the damaged one is kept).
The work is ``app.store.recovery``'s; this prints it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bhxh_desk.app.cli.common import EXIT_INVALID, EXIT_OK, group_help, lang_of
from bhxh_desk.forms.messages import render


def _path(args: argparse.Namespace) -> Path:
    """The SQLite file to check or recover: ``--store``, else the store the user chose, else the usual file.
    An office's PostgreSQL keeps its own pages sound: there is no file here to check."""
    from bhxh_desk.app.store.backend import default_location, is_url
    from bhxh_desk.forms.errors import BhxhError

    location = args.store if getattr(args, "store", None) else default_location()
    if is_url(location):
        raise BhxhError("cli.usage", reason="store check/recover: a SQLite file (--store FILE), not a "
                                            "PostgreSQL URL")
    return Path(location)


def cmd_check(args: argparse.Namespace) -> int:
    from bhxh_desk.app.store.recovery import check

    lang = lang_of(args)
    report = check(_path(args))
    if report.ok:
        print(render("store.check_ok", lang, path=str(report.path), tables=report.tables, rows=report.rows))
        return EXIT_OK
    print(render("store.check_failed", lang, path=str(report.path), problems="; ".join(report.problems[:5])),
          file=sys.stderr)
    return EXIT_INVALID


def cmd_recover(args: argparse.Namespace) -> int:
    from bhxh_desk.app.store.recovery import recover

    lang = lang_of(args)
    report = recover(_path(args))
    damaged = [t for t in report.tables if t.damaged]
    code = "store.recovered_partly" if damaged else "store.recovered"
    print(render(code, lang, path=str(report.path), copied=report.copied, old=str(report.kept),
                 tables=", ".join(t.name for t in damaged)))
    for t in report.tables:
        print(render("store.recovered_table", lang, table=t.name, copied=t.copied, pages=t.from_pages,
                     lost=t.lost, gaps=t.gaps))
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """``store migrate --to postgresql://…``: this PC's SQLite store into the office store (app.store.move)."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.app.store.move import move_to_office

    # The file being moved: --store, else this PC's own file (even when BHXH_DESK_STORE names the office).
    report = move_to_office(Path(args.store) if args.store else default_paths().store, args.to)
    print(render("store.moved_in", lang_of(args), drafts=report.drafts, there=report.drafts_there,
                 submissions=report.submissions, audit=report.audit, employees=report.employees,
                 url=report.moved_to))
    return EXIT_OK


def cmd_clerk(args: argparse.Namespace) -> int:
    """``store clerk LOGIN``: add a clerk to the office (the office role: ``--office``)."""
    from bhxh_desk.app.cli.common import open_store
    from bhxh_desk.app.store.clerks import Clerks

    with open_store(args) as store:
        Clerks(store).set_clerk(args.login, args.name or "", office_role=args.office, by=store.clerk.login)
    print(f"{args.login}\t{args.name or ''}\t{'office' if args.office else 'clerk'}")
    return EXIT_OK


def cmd_assign(args: argparse.Namespace) -> int:
    """``store assign LOGIN UNIT...``: the office role gives a clerk these units."""
    from bhxh_desk.app.cli.common import open_store
    from bhxh_desk.app.store.clerks import Clerks

    with open_store(args) as store:
        clerks = Clerks(store)
        clerks.assign(args.login, args.units, by=store.clerk.login)
        print(f"{args.login}\t{', '.join(clerks.units_of(args.login))}")
    return EXIT_OK


def cmd_password(args: argparse.Namespace) -> int:
    """``store password URL``: keep the office database's password in this PC's keyring (asked, never
    echoed; or from --password-env), so that the URL and the settings never hold it."""
    import getpass
    import os

    from bhxh_desk.app.store.postgres import redacted, save_password

    password = (os.environ.get(args.password_env) if args.password_env
                else getpass.getpass("Mật khẩu / password: "))
    if not password:
        print(render("store.no_password", lang_of(args), url=redacted(args.url)), file=sys.stderr)
        return EXIT_INVALID
    save_password(args.url, password)
    print(redacted(args.url))
    return EXIT_OK


def add_parsers(add, formatter) -> None:
    p = add("store", None, "Kho dữ liệu trên máy / the local store")
    p.set_defaults(handler=group_help(p))
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    for name, handler, text in (
        ("check", cmd_check, "kiểm tra toàn bộ tệp kho / check the whole store file"),
        ("recover", cmd_recover, "chép những gì đọc được sang tệp mới, giữ tệp cũ / copy what can be read into "
                                 "a new file, keeping the old one"),
    ):
        q = ssub.add_parser(name, help=text, description=text, formatter_class=formatter)
        q.add_argument("--store", help="tệp kho SQLite / store file (default: the data folder)")
        q.set_defaults(handler=handler)
    q = ssub.add_parser("migrate", help="chuyển kho trên máy sang kho dùng chung / move this PC's store into the "
                                        "office store", formatter_class=formatter)
    q.add_argument("--to", required=True, metavar="postgresql://…", help="kho dùng chung / the office store")
    q.add_argument("--store", help="tệp kho SQLite / store file (default: the data folder)")
    q.set_defaults(handler=cmd_migrate)
    q = ssub.add_parser("clerk", help="thêm nhân viên của văn phòng / add an office clerk", formatter_class=formatter)
    q.add_argument("login", help="tên đăng nhập hệ điều hành / the clerk's OS login")
    q.add_argument("--name", help="tên hiển thị / display name")
    q.add_argument("--office", action="store_true", help="quyền văn phòng: thấy mọi đơn vị, giao đơn vị / the "
                                                          "office role: sees every unit, assigns them")
    q.add_argument("--store", help="kho / the store (a file, or postgresql://…)")
    q.set_defaults(handler=cmd_clerk)
    q = ssub.add_parser("assign", help="giao đơn vị cho nhân viên / give a clerk units", formatter_class=formatter)
    q.add_argument("login")
    q.add_argument("units", nargs="+", metavar="UNIT")
    q.add_argument("--store", help="kho / the store (a file, or postgresql://…)")
    q.set_defaults(handler=cmd_assign)
    q = ssub.add_parser("password", help="lưu mật khẩu kho dùng chung vào kho khóa của máy / keep the office "
                                         "store's password in this PC's keyring", formatter_class=formatter)
    q.add_argument("url", metavar="postgresql://…")
    q.add_argument("--password-env", metavar="VAR", help="biến chứa mật khẩu / variable holding it")
    q.set_defaults(handler=cmd_password)
