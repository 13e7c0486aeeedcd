"""The desktop: ``bhxh-desk`` alone or ``gui`` opens the window (or says in one line why it cannot, then
the help), and ``install-desktop`` puts the program in the desktop menu."""

from __future__ import annotations

import argparse
import os
import sys

from bhxh_desk.app.cli.common import EXIT_ERROR, EXIT_OK, lang_of


def cmd_gui(args: argparse.Namespace) -> int:
    return open_window(lang_of(args), on_failure=lambda text: (print(text, file=sys.stderr), EXIT_ERROR)[1])


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


def no_command(parser: argparse.ArgumentParser, lang: str) -> int:
    """``bhxh-desk`` alone: the window where one can open; elsewhere a one-line hint, the help, exit 0."""
    def explain(text: str) -> int:
        print(text, file=sys.stderr)
        parser.print_help()
        return EXIT_OK

    return open_window(lang, on_failure=explain)


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from bhxh_desk.app import desktop_entry

    if args.uninstall:
        for path in desktop_entry.uninstall():
            print(path)
        return EXIT_OK
    done = desktop_entry.install()
    vi = lang_of(args) != "en"
    print(("Đã thêm vào menu: " if vi else "Added to the menu: ") + str(done.entry))
    print(("Lệnh chạy: " if vi else "Command: ") + done.command)
    return EXIT_OK


def add_parsers(add, formatter) -> None:
    add("gui", cmd_gui, "Mở chương trình (cửa sổ) / open the desktop window")
    p = add("install-desktop", cmd_install_desktop,
            "Thêm chương trình vào menu (Linux) / add the program to the desktop menu (Linux)")
    p.add_argument("--uninstall", action="store_true", help="gỡ khỏi menu / remove it from the menu")
