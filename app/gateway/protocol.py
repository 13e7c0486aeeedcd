"""Messages of protocol ``bhxh-gw/1`` as typed records (docs/gateway-protocol.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PROTOCOL = "bhxh-gw/1"
RECEIVED, PROCESSING, RESULT, REJECTED = 200, 201, 202, 203
STATUS_TEXT_VI = {RECEIVED: "Chờ tiếp nhận", PROCESSING: "Đang xử lý", RESULT: "Có kết quả", REJECTED: "Từ chối"}


@dataclass(frozen=True, slots=True)
class Receipt:
    so_ho_so: str
    received_at: str
    status: int
    digest: str
    idempotency_key: str
    repeat: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Receipt:
        return cls(so_ho_so=str(d["so_ho_so"]), received_at=str(d["received_at"]), status=int(d["status"]),
                   digest=str(d["digest"]), idempotency_key=str(d["idempotency_key"]), repeat=bool(d.get("repeat")))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the gateway refused a dossier, or a part of it: a code, its message in both languages, and where
    (an element path) when the gateway says."""

    code: str
    message_vi: str
    message_en: str
    where: str = ""

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reason:
        return cls(code=str(d.get("code", "")), message_vi=str(d.get("message_vi", "")),
                   message_en=str(d.get("message_en", "")), where=str(d.get("where", "")))

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DossierStatus:
    so_ho_so: str
    status: int
    updated_at: str
    result_available: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DossierStatus:
        return cls(so_ho_so=str(d["so_ho_so"]), status=int(d["status"]), updated_at=str(d["updated_at"]),
                   result_available=bool(d["result_available"]),
                   reasons=tuple(Reason.from_json(r) for r in d.get("reasons", []) if isinstance(r, dict)))

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status_text_vi": STATUS_TEXT_VI.get(self.status, "")}


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """What form 04/ĐK-IVAN carries about a registered certificate."""

    serial: str
    subject: str
    issuer: str
    tax_code: str | None
    not_before: str
    not_after: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CertificateRecord:
        return cls(**{k: d.get(k) for k in ("serial", "subject", "issuer", "tax_code", "not_before", "not_after")})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class OtpChallenge:
    request_id: str
    expires_at: str
    sent_to: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OtpChallenge:
        return cls(request_id=str(d["request_id"]), expires_at=str(d["expires_at"]), sent_to=str(d["sent_to"]))


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    account: str
    units: list[str]
    expires_at: str
