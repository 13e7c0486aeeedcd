"""How the token helper process is started: the command, its environment, and the process.

Kept apart from ``signing.token.client`` so that ``bhxh-desk sign`` can start the helper first thing,
before it imports anything else (``app.launch``): the helper's interpreter and PyKCS11 take about 30 ms
to load, and they load while the command starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The helper's own start: -S skips site, and with it the editable install's finder, which is what maps
# bhxh_desk.* onto the source folders; so the package is made here, from the folder that holds it, and the
# helper module is run from there. The same in a wheel (site-packages/bhxh_desk) and a checkout.
_BOOT = ("import sys, types; p = types.ModuleType('bhxh_desk'); p.__path__ = [sys.argv.pop(1)]; "
         "sys.modules['bhxh_desk'] = p; import runpy; "
         "runpy.run_module('bhxh_desk.signing.token.helper', run_name='__main__', alter_sys=True)")


def package_folder() -> str:
    """The folder that holds app/, forms/, signing/: site-packages/bhxh_desk, or a source checkout."""
    return str(Path(__file__).resolve().parents[2])


def helper_command() -> list[str]:
    """How to start the helper: this interpreter with ``-S`` normally, the bundle's own entry point when
    frozen. Packagers can point ``BHXH_DESK_TOKEN_HELPER`` at another interpreter (a 32-bit Python for
    32-bit drivers), which must have PyKCS11."""
    override = os.environ.get("BHXH_DESK_TOKEN_HELPER")
    if override:
        return [override, "-c", _BOOT, package_folder()]
    if getattr(sys, "frozen", False):
        return [sys.executable, "_token-helper"]
    # -S: no site set-up (.pth files, the editable-install finder), which is half the helper's start-up;
    # the paths site would have added come from this process (see start_helper_process).
    return [sys.executable, "-S", "-c", _BOOT, package_folder()]


def start_helper_process() -> subprocess.Popen[bytes]:
    """A helper process, started and left waiting for its first request: its interpreter starts and
    PyKCS11 is imported meanwhile, which is most of the time it takes to be ready."""
    env = dict(os.environ)
    paths = [env.get("PYTHONPATH", "")]
    if not os.environ.get("BHXH_DESK_TOKEN_HELPER"):    # the same interpreter: where it finds PyKCS11
        paths += sys.path
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))
    return subprocess.Popen(helper_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, close_fds=True)


_EARLY: list[subprocess.Popen[bytes]] = []     # a helper started before the command line was read


def start_early() -> None:
    """Start a helper now, for the command about to run (``app.launch`` does, for sign and tokens)."""
    _EARLY.append(start_helper_process())


def early_helper() -> subprocess.Popen[bytes] | None:
    """The helper started for this command, once; None when there is none."""
    return _EARLY.pop() if _EARLY else None
