"""Gateway failures, in the one exception tree (see ``forms.errors``).

    BhxhError
    └── GatewayError            cannot talk to the gateway, or it said no, or it said something else
        ├── Unreachable         connection refused, reset, timed out, TLS untrusted, 429/5xx (maybe transient:
        │                       a dossier stays queued)
        ├── Refused             the gateway answered with a refusal in the protocol's words: ``reasons`` says why
        └── Unexpected          an answer outside the protocol (status, content type, JSON shape or types, a
            │                   redirect): ``http_status``, and ``log``, the file that holds the details
            └── UnexpectedFailure   a 429/5xx that is not the protocol's error (a proxy's error page): also an
                                    ``Unreachable``, retried and kept queued like any 5xx
"""

from __future__ import annotations

from bhxh_desk.app.gateway.protocol import Reason
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.messages import render

__all__ = ["GatewayError", "Reason", "Refused", "Unexpected", "UnexpectedFailure", "Unreachable"]


class GatewayError(BhxhError):
    default_code = "gw.failed"


class Unreachable(GatewayError):
    default_code = "gw.unreachable"


class Refused(GatewayError):
    """The gateway refused; ``http_status`` and the gateway's own reasons are kept."""

    default_code = "gw.refused"

    def __init__(self, code: str, http_status: int, reasons: list[Reason] | None = None, **params: object) -> None:
        self.http_status = http_status
        self.reasons = reasons or []
        super().__init__(code, **params)

    def message(self, lang: str = "vi") -> str:
        """The gateway's own words when it gave reasons: they name the field and the rule."""
        if self.reasons:
            return "; ".join(r.message(lang) for r in self.reasons)
        return super().message(lang)


class Unexpected(GatewayError):
    """"The gateway answered something unexpected": the HTTP status, what was wrong (``what``, a
    ``gw.what.*`` code with its ``details``, rendered in the same language) and the log that holds the
    request and the reply's shape. Nothing of the reply is trusted, so nothing of it is acted on."""

    default_code = "gw.unexpected"

    def __init__(self, http_status: int, what: str, *, url: str, log: str, **details: object) -> None:
        self.http_status, self.what, self.details, self.log = http_status, what, details, log
        super().__init__("gw.unexpected", url=url, status=http_status, log=log)

    def message(self, lang: str = "vi") -> str:
        details = {k: render(f"gw.json.{v}", lang) if k == "expected" else v for k, v in self.details.items()}
        return render(self.code, lang, **self.params, reason=render(self.what, lang, **details))


class UnexpectedFailure(Unexpected, Unreachable):
    default_code = "gw.unexpected"
