"""Starting the real sandbox gateway (``bhxh-desk sandbox``) on 127.0.0.1 for a test, and seeding it through
its own command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import ROOT

PASSWORD = "mat-khau-thu-nghiem-7"


@dataclass
class Running:
    proc: subprocess.Popen
    url: str
    ca: Path
    data: Path
    sms_outbox: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def app_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SANDBOX_PW": PASSWORD, **extra}


def add_account(data: Path, code: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "bhxh_desk.app", "sandbox", "add-unit", code, "--password-env", "SANDBOX_PW",
                    "--data", str(data), *args], check=True, capture_output=True, env=app_env(), cwd=ROOT)


def start(data: Path, *flags: str, trust: tuple[Path, ...] = ()) -> Running:
    data.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "bhxh_desk.app", "sandbox", "--data", str(data), "--port", "0", *flags]
    for t in trust:
        cmd += ["--trust", str(t)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=app_env(), cwd=ROOT,
                            text=True)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the sandbox did not start")
    info = json.loads(line)
    running = Running(proc, info["url"], Path(info["ca"]), data, Path(info["sms_outbox"]))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            verify = str(running.ca) if info["tls"] else True
            if requests.get(f"{running.url}/health", timeout=2, verify=verify).status_code == 200:
                return running
        except requests.RequestException:
            time.sleep(0.1)
    running.stop()
    raise RuntimeError("the sandbox never answered /health")
