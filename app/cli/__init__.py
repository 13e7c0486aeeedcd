"""The ``bhxh-desk`` command: thin handlers over the application layer (``app.actions``).

One module per group of commands (``drafts``, ``signing``, ``gateway``, ``desktop``), one module that
renders records as text or JSON (``common``). Only the running command's module is imported and only its
parser is built, so that ``bhxh-desk sign`` starts as quickly as before. Every user-facing failure is a
``BhxhError`` printed as one translated line; an unexpected exception is written to the log with its
traceback and shown as a short message, never as a traceback.

Exit codes: 0 success; 1 the input is invalid; 2 the input cannot be read or the command failed (and a
command group given no action, after its help); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from bhxh_desk.app.cli.common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, lang_of
from bhxh_desk.forms.errors import BhxhError

# Which module holds each command: the parser of a command is built from its own module alone.
COMMANDS = {
    "procedures": "drafts", "validate": "drafts", "build": "drafts", "drafts": "drafts", "import": "drafts",
    "export": "drafts", "print": "drafts", "schemas": "drafts", "contributions": "drafts",
    "tokens": "signing", "sign": "signing", "verify": "signing",
    "sandbox": "gateway", "register-cert": "gateway", "submit": "gateway", "status": "gateway", "sync": "gateway",
    "otp": "gateway", "export-signed": "gateway",
    "gui": "desktop", "install-desktop": "desktop",
    "store": "store",
}
MODULES = ("drafts", "signing", "gateway", "desktop", "store")


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

    if only is not None and only not in COMMANDS:
        only = None
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

    for module in ([COMMANDS[only]] if only else MODULES):
        import_module(f"{__name__}.{module}").add_parsers(add, _Formatter)
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
    lang = lang_of(args)
    handler = getattr(args, "handler", None)
    if handler is None and not argv:
        from bhxh_desk.app.cli.desktop import no_command

        return no_command(parser, lang)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return int(handler(args))
    except BhxhError as exc:
        from bhxh_desk.app.cli.common import TOLD

        if exc.message(lang) not in TOLD:
            print(exc.message(lang), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:            # the reader went away (| head): nothing left to tell it
        return EXIT_OK
    except Exception as exc:
        _report_unexpected(exc, lang)
        return EXIT_ERROR
