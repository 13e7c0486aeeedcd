"""Timing and peak memory of whole processes, as a user would run them."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS (the process and the children it waited for, e.g. the token helper)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err[-500:]}")
    return Run(seconds=elapsed, peak_mb=usage.ru_maxrss / 1024)


def median_run(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> Run:
    runs = [run_once(cmd, env) for _ in range(repeat)]
    return Run(seconds=statistics.median(r.seconds for r in runs), peak_mb=max(r.peak_mb for r in runs))
