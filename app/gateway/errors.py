"""Gateway failures, in the one exception tree (see ``forms.errors``).

    BhxhError
    └── GatewayError            cannot talk to the gateway, or it said no
        ├── Unreachable         connection refused, reset, timed out, TLS untrusted (maybe transient)
        └── Refused             the gateway answered with a refusal: ``reasons`` says why
"""

from __future__ import annotations

from bhxh_desk.app.gateway.protocol import Reason
from bhxh_desk.forms.errors import BhxhError

__all__ = ["GatewayError", "Reason", "Refused", "Unreachable"]


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
