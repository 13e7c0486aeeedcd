"""What the helper reports about tokens and certificates, as typed records.

They are ``NamedTuple`` records rather than dataclasses, like every record a sign command makes before
it signs: see "Records on the signing path" in docs/architecture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from cryptography import x509

# PKCS#11 token flags about the user PIN (CK_TOKEN_INFO.flags).
CKF_USER_PIN_COUNT_LOW = 0x00010000
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000


class PinStatus(NamedTuple):
    """What the token's flags say about its user PIN."""

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


class TokenInfo(NamedTuple):
    """A token is known by its serial and label; its slot number changes between plug-ins."""

    serial: str
    label: str
    manufacturer: str
    model: str
    pin: PinStatus

    def describe(self) -> str:
        return f"{self.label} ({self.serial})"


class TokenCertificate(NamedTuple):
    """A certificate on a token, and the key beside it, named by CKA_ID."""

    token: TokenInfo
    key_id: str            # CKA_ID, hex
    label: str
    der: bytes

    @property
    def certificate(self) -> x509.Certificate:
        """Parsed when asked for (a few microseconds): signing with a known certificate never needs it."""
        from cryptography import x509

        return x509.load_der_x509_certificate(self.der)
