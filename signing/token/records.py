"""What the helper reports about tokens and certificates, as typed records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

# PKCS#11 token flags about the user PIN (CK_TOKEN_INFO.flags).
CKF_USER_PIN_COUNT_LOW = 0x00010000
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000


@dataclass(frozen=True, slots=True)
class PinStatus:
    count_low: bool = False
    final_try: bool = False
    locked: bool = False

    @classmethod
    def from_flags(cls, flags: int) -> PinStatus:
        return cls(bool(flags & CKF_USER_PIN_COUNT_LOW), bool(flags & CKF_USER_PIN_FINAL_TRY),
                   bool(flags & CKF_USER_PIN_LOCKED))

    def wrong_pin_code(self) -> str:
        """The message for a wrong PIN, as severe as the token says the situation is."""
        if self.locked:
            return "token.pin_locked"
        if self.final_try:
            return "token.wrong_pin_final"
        if self.count_low:
            return "token.wrong_pin_low"
        return "token.wrong_pin"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token is known by its serial and label; its slot number changes between plug-ins."""

    serial: str
    label: str
    manufacturer: str
    model: str
    pin: PinStatus

    def describe(self) -> str:
        return f"{self.label} ({self.serial})"


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate on a token, and the key beside it, named by CKA_ID."""

    token: TokenInfo
    key_id: str            # CKA_ID, hex
    label: str
    der: bytes

    @cached_property
    def certificate(self) -> x509.Certificate:
        from cryptography import x509  # parsed on first use: signing a known certificate never needs it

        return x509.load_der_x509_certificate(self.der)
