"""The app's side of the token helper: one child process, calls with timeouts, restarts, batches.

``TokenHelper`` owns the process. Each call waits at most its timeout; a hung driver is killed and the
call fails with ``token.timeout``, a crashed one with ``token.helper_died``, and the next call starts a
fresh helper. A ``cancel`` event stops a wait early.

``TokenHelper.session(...)`` opens a ``TokenSession``: one C_Login for a whole batch, the PIN asked through
the caller's ``Prompter`` and held only by the session object until it closes. The session is a
``Signer``: each ``sign`` is one C_Sign on the token.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bhxh_desk.signing.drivers import candidates, searched
from bhxh_desk.signing.errors import SigningError, TokenError
from bhxh_desk.signing.token.spawn import start_helper_process

if TYPE_CHECKING:     # imported where used: the helper process is started before they are needed
    from cryptography import x509

    from bhxh_desk.signing.prompter import Prompter
    from bhxh_desk.signing.token.records import TokenCertificate

CALL_TIMEOUT = 30.0
LOGIN_TIMEOUT = 60.0
_EOF = object()


class TokenHelper:
    def __init__(self, module: str | Path | None = None, *, call_timeout: float = CALL_TIMEOUT,
                 started: subprocess.Popen[bytes] | None = None) -> None:
        """``started``: a helper process started earlier (``start_helper_process``), used for the first
        start instead of a new one; the sign command starts one before it even parses its arguments."""
        self._started = started
        found = candidates(str(module) if module else None)
        if not found or not found[0].is_file():
            self._discard_started()
            raise TokenError("token.no_module", searched=searched(str(module) if module else None))
        self.module = str(found[0])
        self.call_timeout = call_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._answers: queue.Queue[Any] = queue.Queue()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- process

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _discard_started(self) -> None:
        proc, self._started = self._started, None
        if proc is not None:
            proc.kill()
            proc.wait()

    def _start(self) -> None:
        started, self._started = self._started, None
        if started is not None and started.poll() is None:
            self._proc = started
        else:
            if started is not None:
                started.wait()
            self._proc = start_helper_process()
        self._answers = queue.Queue()
        out = self._proc.stdout
        answers = self._answers

        def read() -> None:
            assert out is not None
            for line in out:
                try:
                    answers.put(json.loads(line))
                except ValueError:
                    continue
            answers.put(_EOF)

        threading.Thread(target=read, name="token-helper-reader", daemon=True).start()
        self._call_locked("load", self.call_timeout, None, module=self.module)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        with self._lock:
            self._discard_started()
            if self.alive():
                with contextlib.suppress(TokenError):
                    self._call_locked("exit", 5.0, None)
            self._kill()

    def __enter__(self) -> TokenHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- calls

    def call(self, op: str, *, timeout: float | None = None, cancel: threading.Event | None = None,
             **args: Any) -> dict[str, Any]:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._kill()
                self._start()
            return self._call_locked(op, timeout or self.call_timeout, cancel, **args)

    def _call_locked(self, op: str, timeout: float, cancel: threading.Event | None, **args: Any) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        rid = next(self._ids)
        try:
            proc.stdin.write((json.dumps({"id": rid, "op": op, **args}) + "\n").encode())
            proc.stdin.flush()
        except OSError:
            self._kill()
            raise TokenError("token.helper_died") from None
        waited = 0.0
        while True:
            step = min(0.1, timeout - waited)
            try:
                answer = self._answers.get(timeout=max(step, 0.001))
                break
            except queue.Empty:
                waited += step
                if cancel is not None and cancel.is_set():
                    self._kill()          # the driver may be mid-call; only a fresh helper is safe
                    raise SigningError("sign.cancelled") from None
                if waited >= timeout:
                    self._kill()
                    raise TokenError("token.timeout", seconds=int(timeout)) from None
        if answer is _EOF:
            self._kill()
            raise TokenError("token.helper_died")
        if answer.get("id") != rid:
            self._kill()
            raise TokenError("token.failed", reason="the helper answered out of turn")
        if not answer.get("ok"):
            raise TokenError(answer.get("code", "token.failed"), **answer.get("params", {}))
        return answer.get("result", {})

    # ---------------------------------------------------------------- tokens

    def certificates(self, *, cancel: threading.Event | None = None) -> list[TokenCertificate]:
        """Every X.509 certificate on every token present."""
        tokens = self.call("list", cancel=cancel)["tokens"]     # first: it starts the helper
        from bhxh_desk.signing.token.records import PinStatus, TokenCertificate, TokenInfo

        out = []
        for t in tokens:
            info = TokenInfo(serial=t["serial"], label=t["label"], manufacturer=t["manufacturer"], model=t["model"],
                             pin=PinStatus.from_flags(t["flags"], t.get("hardware", False)))
            for c in t["certificates"]:
                out.append(TokenCertificate(token=info, key_id=c["key_id"], label=c["label"],
                                            der=base64.b64decode(c["der"])))
        return out

    def find(self, *, serial: str | None = None, label: str | None = None, key_id: str | None = None,
             prompter: Prompter | None = None, timeout: float = 120.0,
             certificates: list[TokenCertificate] | None = None) -> TokenCertificate:
        """The one certificate that fits the filters; ask the prompter when several do. ``certificates``:
        what ``certificates()`` returned a moment ago, when the caller has it (one call to the token fewer)."""
        everything = certificates or self.certificates()
        if not everything:
            tokens = self.call("list")["tokens"]
            if not tokens:
                raise TokenError("token.no_token")
        fitting = [c for c in everything
                   if (not serial or c.token.serial == serial) and (not label or c.token.label == label)
                   and (not key_id or c.key_id.lower() == key_id.lower())]
        if not fitting:
            present = ", ".join(sorted({c.token.describe() for c in everything})) or "-"
            if serial or label:
                raise TokenError("token.not_found", token=serial or label, present=present)
            raise TokenError("token.no_certificate", token=present)
        if len(fitting) == 1:
            return fitting[0]
        choice = prompter.choose_certificate(fitting, timeout) if prompter else None
        if choice is None:
            raise SigningError("sign.cancelled")
        return choice

    @contextmanager
    def session(self, cert: TokenCertificate, prompter: Prompter, *,
                cancel: threading.Event | None = None, timeout: float = 120.0) -> Iterator[TokenSession]:
        s = TokenSession(self, cert, prompter, cancel, timeout)
        s.open()
        try:
            yield s
        finally:
            s.close()


class TokenSession:
    """A logged-in batch on one token: a ``Signer`` whose every signature is one C_Sign."""

    def __init__(self, helper: TokenHelper, cert: TokenCertificate, prompter: Prompter,
                 cancel: threading.Event | None, timeout: float) -> None:
        self.helper = helper
        self.cert = cert
        self.prompter = prompter
        self.cancel = cancel
        self.timeout = timeout
        self._pin: str | None = None
        self._helper_pid: int | None = None
        self.always_authenticate = False
        self.signatures = 0
        self.status = cert.token.pin         # the PIN state, as the token last reported it

    @property
    def certificate(self) -> x509.Certificate:
        return self.cert.certificate

    @property
    def certificate_der(self) -> bytes:
        return self.cert.der

    def _ask(self, previous_error: str | None, per_signature: bool = False) -> str:
        from bhxh_desk.signing.prompter import PinRequest

        pin = self.prompter.ask_pin(PinRequest(token=self.cert.token, status=self.status,
                                               previous_error=previous_error, per_signature=per_signature,
                                               timeout=self.timeout))
        if pin is None:
            if previous_error:
                raise TokenError(previous_error)
            raise SigningError("sign.cancelled")
        return pin

    def open(self) -> None:
        """Log in, asking the prompter for the PIN with the token's PIN state as it is at each try: a
        wrong PIN brings the state the token reports then (low, final try), so the next question can warn
        or refuse (``signing.prompter``). A locked token is never asked."""
        error: str | None = None
        while True:
            if self.status.locked:
                raise TokenError("token.pin_locked")
            pin = self._ask(error)
            try:
                self.helper.call("login", timeout=LOGIN_TIMEOUT, cancel=self.cancel, serial=self.cert.token.serial,
                                 label=self.cert.token.label, pin=pin)
            except TokenError as exc:
                if exc.code in ("token.wrong_pin", "token.wrong_pin_low", "token.wrong_pin_final"):
                    error = exc.code
                    if "flags" in exc.params:
                        from bhxh_desk.signing.token.records import PinStatus

                        self.status = PinStatus.from_flags(int(exc.params["flags"]),
                                                           bool(exc.params.get("hardware")))
                    continue
                raise
            break
        self._helper_pid = self.helper.pid
        key = self.helper.call("key", cancel=self.cancel, key_id=self.cert.key_id)
        self.always_authenticate = bool(key["always_authenticate"])
        # Kept only while the batch runs, and only where the key wants it for every signature.
        self._pin = pin if self.always_authenticate else None

    def sign(self, data: bytes) -> bytes:
        if self.cancel is not None and self.cancel.is_set():
            raise SigningError("sign.cancelled")
        if not self.helper.alive() or self.helper.pid != self._helper_pid:
            raise TokenError("token.helper_died")      # a new helper has no login: this batch cannot go on
        args: dict[str, Any] = {"key_id": self.cert.key_id, "data": base64.b64encode(data).decode()}
        if self.always_authenticate:
            args["pin"] = self._pin
        answer = self.helper.call("sign", cancel=self.cancel, **args)
        self.signatures += 1
        return base64.b64decode(answer["signature"])

    def close(self) -> None:
        self._pin = None
        if self.helper.alive() and self.helper.pid == self._helper_pid:
            with contextlib.suppress(TokenError, SigningError):
                self.helper.call("logout", timeout=10.0)
