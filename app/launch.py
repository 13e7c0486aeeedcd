"""The ``bhxh-desk`` command as a process: what starts before the command line is read, and how it ends.

This module imports almost nothing, so that for ``sign`` and ``tokens`` the token helper can start before
anything else does (its interpreter and PyKCS11 take about 30 ms to load, which then overlap this
process's own start-up). The command adopts that process (``signing.token.spawn.early_helper``); if it
stops before, the helper reads end-of-file and exits.
"""

from __future__ import annotations

import os
import sys
import threading


def _start_token_helper_early(argv: list[str]) -> None:
    if argv[:1] in (["sign"], ["tokens"]) and not {"--otp", "-h", "--help"} & set(argv):
        from bhxh_desk.signing.token.spawn import start_early

        start_early()


def run() -> None:
    """The ``bhxh-desk`` command: the early helper, ``app.cli.main``, then a quick exit.

    Python's own teardown frees every loaded module and object one by one, about 8 ms after a signing
    command: a tenth of signing a 10,000-row dossier. Once a command has returned there is nothing left
    for it to do, so the process leaves without it, after what an exit must still do: the atexit
    functions (logging's flush among them) and flushing the output. It exits normally instead when
    something else could still be running: another non-daemon thread, or Qt."""
    _start_token_helper_early(sys.argv[1:])
    from bhxh_desk.app.cli import main

    code = main()
    alive = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if alive or "PySide6" in sys.modules:
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):         # a closed or broken pipe: let the normal exit deal with it
        sys.exit(code)
    os._exit(code)
