"""Timing and peak memory of whole processes, as a user would run them.

Peak memory comes from GNU time (%M) where it is installed: a process forked from this Python would
otherwise count the parent's pages until it execs."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def run_once(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of the process (the largest of it and the children it waited for)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [GNU_TIME, "-f", "%M", "-o", report.name, *cmd] if GNU_TIME else cmd
        start = time.perf_counter()
        proc = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}")
        peak_kb = float(report.read().strip().splitlines()[-1]) if GNU_TIME else float("nan")
    return Run(seconds=elapsed, peak_mb=peak_kb / 1024)


def median_of(runs) -> Run:
    runs = list(runs)
    return Run(seconds=statistics.median(r.seconds for r in runs), peak_mb=max(r.peak_mb for r in runs))


def median_run(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> Run:
    return median_of(run_once(cmd, env) for _ in range(repeat))


def interleaved(cmds: list[list[str]], repeat: int, env: dict[str, str] | None = None) -> list[Run]:
    """The median run of each command, the commands taking turns: a ratio between two of them is then
    measured under the same conditions, which on a shared machine drift from one second to the next."""
    runs: list[list[Run]] = [[] for _ in cmds]
    for _ in range(repeat):
        for cmd, out in zip(cmds, runs, strict=True):
            out.append(run_once(cmd, env))
    return [median_of(r) for r in runs]


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
