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


def helper_command() -> list[str]:
    """How to start the helper: ``python -m`` normally, the bundle's own entry point when frozen. Packagers
    can point ``BHXH_DESK_TOKEN_HELPER`` at another interpreter (a 32-bit Python for 32-bit drivers)."""
    override = os.environ.get("BHXH_DESK_TOKEN_HELPER")
    if override:
        return [override, "-m", "signing.token.helper"]
    if getattr(sys, "frozen", False):
        return [sys.executable, "_token-helper"]
    # -S: no site set-up (.pth files, the editable-install finder), which is half the helper's start-up;
    # the paths site would have added come from this process (see start_helper_process).
    return [sys.executable, "-S", "-m", "signing.token.helper"]


def start_helper_process() -> subprocess.Popen[bytes]:
    """A helper process, started and left waiting for its first request: its interpreter starts and
    PyKCS11 is imported meanwhile, which is most of the time it takes to be ready."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    paths = [root, env.get("PYTHONPATH", "")]
    if not os.environ.get("BHXH_DESK_TOKEN_HELPER"):    # the same interpreter: where it finds PyKCS11
        paths += sys.path
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if p))
    return subprocess.Popen(helper_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, close_fds=True)
