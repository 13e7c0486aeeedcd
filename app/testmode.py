"""Test mode (Chế độ thử nghiệm): the bundled sandbox gateway on loopback, a demo unit and a demo token.

On a first start with no settings the app runs in test mode, so a new user can go through the whole flow
without any account. Test mode keeps its own store and sandbox folder under ``<data>/test-mode``: real and
test data never mix. The demo password and PIN are throwaway values of the sandbox, shown in the window's
test-mode banner; they are not secrets and are kept in the sandbox folder, never in the real store.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bhxh_desk.app.paths import Paths, ensure_private_dir
from bhxh_desk.forms.errors import BhxhError

DEFAULT_PORT = 8765


@dataclass(frozen=True)
class Demo:
    unit: str
    password: str
    pin: str
    softhsm_conf: str
    module: str
    ca: str


def folder(paths: Paths) -> Path:
    return paths.data / "test-mode"


def store_path(paths: Paths, test_mode: bool) -> Path:
    return folder(paths) / "bhxh-desk.sqlite3" if test_mode else paths.store


def _command(*args: str) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "bhxh_desk.app", *args]


def _env() -> dict[str, str]:
    """The sandbox runs as ``python -m bhxh_desk.app``, found as this process found it (site-packages, or
    the editable install's finder), so nothing is added to its paths."""
    return dict(os.environ)


def ensure_demo(paths: Paths) -> Demo:
    """Create the demo unit, person and SoftHSM token once; later starts reuse them."""
    sandbox = ensure_private_dir(folder(paths) / "sandbox")
    saved = sandbox / "demo.json"
    if not saved.exists():
        r = subprocess.run(_command("sandbox", "demo", "--data", str(sandbox), "--json"), capture_output=True,
                           text=True, env=_env(), timeout=120)
        if r.returncode != 0:
            raise BhxhError("error.internal", reason=(r.stderr.strip().splitlines() or ["sandbox demo"])[-1])
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(r.stdout)
    d = json.loads(saved.read_text(encoding="utf-8"))
    demo = Demo(unit=d["unit"], password=d["password"], pin=d["pin"], softhsm_conf=d["softhsm_conf"],
                module=d["module"], ca=d["ca"])
    os.environ["SOFTHSM2_CONF"] = demo.softhsm_conf        # the token helper inherits it
    return demo


def port_is_free(port: int) -> bool:
    """Whether ``port`` on 127.0.0.1 can be bound now; port 0 asks for any free one."""
    return bound_port(port) is not None


def bound_port(port: int = 0) -> int | None:
    """Bind ``port`` on 127.0.0.1 and let it go: the port bound (a free one for 0), or None if taken."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]


def sandbox_port(settings) -> int:
    """The port test mode's sandbox listens on: BHXH_DESK_SANDBOX_PORT when set; else the one kept in the
    settings; at first start a free one, then kept, so that the window never takes the port another
    sandbox uses (the README's walkthrough runs one on 8765) and its filed dossiers keep their gateway."""
    if os.environ.get("BHXH_DESK_SANDBOX_PORT"):
        return int(os.environ["BHXH_DESK_SANDBOX_PORT"])
    port = int(settings.get("sandbox_port") or 0)
    if not port:
        port = bound_port() or 0
        settings.set("sandbox_port", port)
        settings.save()
    return port


class EmbeddedSandbox:
    """The sandbox gateway as a child process of the app, on 127.0.0.1."""

    def __init__(self, paths: Paths, port: int | None = None) -> None:
        self.data = folder(paths) / "sandbox"
        self.port = port or int(os.environ.get("BHXH_DESK_SANDBOX_PORT", DEFAULT_PORT))
        self.proc: subprocess.Popen[str] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        if not port_is_free(self.port):          # one already runs (another window of ours): share it
            return self.url
        self.proc = subprocess.Popen(
            _command("sandbox", "--data", str(self.data), "--port", str(self.port), "--processing-after", "3",
                     "--result-after", "8", "--exit-with-parent"),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env())
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise BhxhError("gw.unreachable", url=self.url, reason="the sandbox did not start")
        self.url = json.loads(line)["url"]
        return self.url

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


class TestMode:
    """Everything the window needs to know about test mode, in one object it is given (it has no test-mode
    branches of its own): the sandbox gateway and how to sign in to it, the demo token and its PIN, and the
    sandbox's SMS outbox, which stands in for the person's phone."""

    def __init__(self, url: str, demo: Demo, paths: Paths) -> None:
        self.url, self.demo = url, demo
        self.data = folder(paths) / "sandbox"

    def access(self):
        from bhxh_desk.app.actions.gateway import GatewayAccess

        return GatewayAccess(self.url, self.demo.ca, password_for=lambda account: self.demo.password)

    @property
    def module(self) -> str:
        return self.demo.module

    @property
    def pin(self) -> str:
        return self.demo.pin

    def trust_files(self) -> list[str]:
        """The sandbox's CA, trusted for signatures beside the bundled MIC root (the demo token's chain)."""
        return [str(self.demo.ca)]

    def sms(self, to: str) -> list[str]:
        """What the sandbox 'sent' to this person, oldest first."""
        from bhxh_desk.app.gateway.sandbox.db import SandboxDB

        db = SandboxDB(self.data / "sandbox.sqlite3")
        try:
            return [text for _, text in db.sms(to)]
        finally:
            db.close()
