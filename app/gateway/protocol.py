"""Messages of protocol ``bhxh-gw/1`` as typed records (docs/gateway-protocol.md).

Each ``from_json`` is the checked reading of one reply: every key the protocol requires is there and every
value has its JSON type, or ``Malformed`` says which is not. A gateway, a proxy in front of it or an attacker
on the way can answer anything; what is not the protocol never becomes a record with ``None`` or a
half-guessed value in it (``str(None)`` once told a person their code went "tới None").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PROTOCOL = "bhxh-gw/1"
RECEIVED, PROCESSING, RESULT, REJECTED = 200, 201, 202, 203
STATUS_TEXT_VI = {RECEIVED: "Chờ tiếp nhận", PROCESSING: "Đang xử lý", RESULT: "Có kết quả", REJECTED: "Từ chối"}


class Malformed(ValueError):
    """A reply that is not the protocol's: ``what`` is a message code (``gw.what.*``) and ``params`` its
    parameters (``expected``: a JSON type, worded by ``gw.json.*``). The client turns it into ``Unexpected``
    with the HTTP status and the log; it is never shown as it is."""

    def __init__(self, what: str, **params: object) -> None:
        self.what, self.params = what, params
        super().__init__(what, params)


_JSON_TYPE = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}


def field(d: dict[str, Any], key: str, kind: type, *, required: bool = True, filled: bool = False,
          default: Any = None) -> Any:
    """``d[key]`` when it has JSON type ``kind`` (a bool is not an integer); absent: ``default`` if not
    ``required``. ``filled``: an empty string is as good as missing (a token, a số hồ sơ)."""
    value = d.get(key)
    if key not in d and required:
        raise Malformed("gw.what.missing", field=key)
    if value is None and not required:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed("gw.what.wrong_type", field=key, expected=_JSON_TYPE[kind])
    if filled and not value:
        raise Malformed("gw.what.missing", field=key)
    return value


def strings(d: dict[str, Any], key: str) -> list[str]:
    """A required array of strings."""
    values = field(d, key, list)
    if not all(isinstance(v, str) for v in values):
        raise Malformed("gw.what.wrong_type", field=key, expected="array_of_strings")
    return values


def dossier_status(d: dict[str, Any]) -> int:
    status = field(d, "status", int)
    if status not in STATUS_TEXT_VI:
        raise Malformed("gw.what.value", field="status", value=status)
    return status


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
        return cls(so_ho_so=field(d, "so_ho_so", str, filled=True), received_at=field(d, "received_at", str),
                   status=dossier_status(d), digest=field(d, "digest", str, filled=True),
                   idempotency_key=field(d, "idempotency_key", str, filled=True),
                   repeat=field(d, "repeat", bool, required=False, default=False))

    @classmethod
    def from_status(cls, d: dict[str, Any], idempotency_key: str) -> Receipt:
        """The receipt of an upload whose reply was lost, read from the status the gateway keeps for its key."""
        DossierStatus.from_json(d)
        return cls(so_ho_so=field(d, "so_ho_so", str, filled=True), received_at=field(d, "received_at", str),
                   status=RECEIVED, digest=field(d, "digest", str, filled=True), idempotency_key=idempotency_key,
                   repeat=True)

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
        return cls(**{k: field(d, k, str, required=False, default="")
                      for k in ("code", "message_vi", "message_en", "where")})

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
        reasons = field(d, "reasons", list, required=False, default=[])
        if not all(isinstance(r, dict) for r in reasons):
            raise Malformed("gw.what.wrong_type", field="reasons", expected="array_of_objects")
        return cls(so_ho_so=field(d, "so_ho_so", str, filled=True), status=dossier_status(d),
                   updated_at=field(d, "updated_at", str), result_available=field(d, "result_available", bool),
                   reasons=tuple(Reason.from_json(r) for r in reasons))

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
        return cls(serial=field(d, "serial", str, filled=True), subject=field(d, "subject", str),
                   issuer=field(d, "issuer", str), tax_code=field(d, "tax_code", str, required=False),
                   not_before=field(d, "not_before", str, filled=True),
                   not_after=field(d, "not_after", str, filled=True))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class OtpChallenge:
    request_id: str
    expires_at: str
    sent_to: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OtpChallenge:
        return cls(request_id=field(d, "request_id", str, filled=True), expires_at=field(d, "expires_at", str),
                   sent_to=field(d, "sent_to", str, filled=True))


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    account: str
    units: list[str]
    expires_at: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Session:
        return cls(token=field(d, "token", str, filled=True), account=field(d, "account", str, filled=True),
                   units=strings(d, "units"), expires_at=field(d, "expires_at", str))


@dataclass(frozen=True, slots=True)
class Health:
    """``GET /health``: ready, and the versions of the protocol the gateway speaks."""

    status: str
    protocol: str
    protocols: tuple[str, ...] = ()
    sandbox: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Health:
        protocols = strings(d, "protocols") if "protocols" in d else []
        return cls(status=field(d, "status", str, filled=True), protocol=field(d, "protocol", str, filled=True),
                   protocols=tuple(protocols), sandbox=field(d, "sandbox", bool, required=False, default=False))
