"""How the token asks a person for a PIN or a choice: an interface the caller implements.

The CLI answers on the terminal, the Qt app with dialogs, scripts from an environment variable, and tests
with a scripted list. Every request carries a timeout; returning ``None`` means the person cancelled.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from bhxh_desk.forms.messages import render
from bhxh_desk.signing.errors import TokenError
from bhxh_desk.signing.token.records import PinStatus, TokenCertificate, TokenInfo

DEFAULT_TIMEOUT = 120.0


class PinRequest(NamedTuple):
    """What the person is asked for a PIN with (a NamedTuple: see docs/architecture.md)."""

    token: TokenInfo
    status: PinStatus
    previous_error: str | None = None     # message code of the last failed try, e.g. token.wrong_pin_final
    per_signature: bool = False           # the key demands the PIN for every signature
    timeout: float = DEFAULT_TIMEOUT


class Prompter(Protocol):
    def ask_pin(self, request: PinRequest) -> str | None: ...

    def choose_certificate(self, candidates: list[TokenCertificate], timeout: float) -> TokenCertificate | None: ...


class EnvPinPrompter:
    """The PIN from an environment variable, for scripts. Nobody is there to read a warning, so:

    - it answers once: a wrong PIN is not retried, so a script can never lock a token by looping;
    - it never answers when the token reports earlier wrong tries (low, final try) or a locked PIN: a
      stale PIN in a script would spend the tries left, so the command stops and says why;
    - on a token that reports no counter (state unknown) it answers, and ``notify`` says so.
    """

    def __init__(self, variable: str, notify: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.variable = variable
        self.notify = notify
        self._asked = False

    def ask_pin(self, request: PinRequest) -> str | None:
        if self._asked and not request.per_signature:
            return None
        state = request.status.state
        if state in ("low", "final_try"):
            raise TokenError(f"token.env_pin_{state}", token=request.token.describe(), variable=self.variable)
        if state == "locked":
            raise TokenError("token.pin_locked")
        if state == "unknown" and self.notify is not None and not self._asked:
            self.notify("token.env_pin_no_counter", {"token": request.token.describe(), "variable": self.variable})
        self._asked = True
        return os.environ.get(self.variable) or None

    def choose_certificate(self, candidates: list[TokenCertificate], timeout: float) -> TokenCertificate | None:
        return candidates[0] if len(candidates) == 1 else None


YES = frozenset({"có", "co", "c", "yes", "y"})


class TerminalPrompter:
    """Asks on the terminal, with the request's timeout (POSIX alarm) and Ctrl-C to cancel."""

    def __init__(self, lang: str = "vi") -> None:
        self.lang = lang

    def _input(self, prompt: str, timeout: float, secret: bool) -> str | None:
        import getpass

        if not sys.stdin.isatty():
            return None
        use_alarm = hasattr(signal, "SIGALRM")

        def on_alarm(signum: int, frame: object) -> None:
            raise TimeoutError

        old = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
        if use_alarm:
            signal.alarm(max(1, int(timeout)))
        try:
            return getpass.getpass(prompt) if secret else input(prompt)
        except (TimeoutError, KeyboardInterrupt, EOFError):
            print(file=sys.stderr)
            return None
        finally:
            if use_alarm:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old)

    def ask_pin(self, request: PinRequest) -> str | None:
        """The last failed try's message, the token's PIN state when it is not plain, and before the
        last try a question that must be answered yes: a tired clerk does not lock the token by habit."""
        if request.previous_error:
            print(render(request.previous_error, self.lang), file=sys.stderr)
        token = request.token.describe()
        state = request.status.state
        if state == "final_try":
            if request.previous_error != "token.wrong_pin_final":
                print(render("token.final_try", self.lang, token=token), file=sys.stderr)
            answer = self._input(render("token.final_try_confirm", self.lang) + " ", request.timeout, secret=False)
            if (answer or "").strip().lower() not in YES:
                raise TokenError("token.final_try_kept", token=token)
        elif state == "low" and request.previous_error is None:
            print(render("token.pin_low", self.lang, token=token), file=sys.stderr)
        label = "Mã PIN của token" if self.lang != "en" else "PIN for token"
        return self._input(f"{label} {token}: ", request.timeout, secret=True) or None

    def choose_certificate(self, candidates: list[TokenCertificate], timeout: float) -> TokenCertificate | None:
        from bhxh_desk.signing.certs import facts

        for i, c in enumerate(candidates, start=1):
            f = facts(c.certificate)
            print(f"  {i}. {f.subject}  MST {f.tax_code or '-'}  {f.validity_text()}  "
                  f"[{c.token.describe()}, key {c.key_id}]", file=sys.stderr)
        answer = self._input("Chọn chứng thư (số): " if self.lang != "en" else "Choose a certificate (number): ",
                             timeout, secret=False)
        if answer and answer.strip().isdigit() and 1 <= int(answer) <= len(candidates):
            return candidates[int(answer) - 1]
        return None
