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
    """What the token says about its user PIN.

    The three flags are PKCS#11's, set by a token that keeps a retry counter. No flag set means "no wrong
    try since the last good one" only on a token that keeps a counter at all, and PKCS#11 has no flag
    for that. A hardware slot (``CKF_HW_SLOT`` in the slot's flags: a USB reader or token) does: smart
    cards count tries in the chip. A soft token's slot (SoftHSM2, which keeps no counter) does not, so its
    state is "unknown", and a script is told that nothing stops it from spending tries.
    """

    count_low: bool = False
    final_try: bool = False
    locked: bool = False
    counter: bool = False          # the token keeps a counter: a hardware slot, or a counter flag seen

    @classmethod
    def from_flags(cls, flags: int, hardware: bool = False) -> PinStatus:
        low, final, locked = (bool(flags & CKF_USER_PIN_COUNT_LOW), bool(flags & CKF_USER_PIN_FINAL_TRY),
                              bool(flags & CKF_USER_PIN_LOCKED))
        return cls(low, final, locked, hardware or low or final or locked)

    @property
    def state(self) -> str:
        """One of ``PIN_STATES``: the most severe the flags say."""
        if self.locked:
            return "locked"
        if self.final_try:
            return "final_try"
        if self.count_low:
            return "low"
        return "ok" if self.counter else "unknown"

    @property
    def risky(self) -> bool:
        """A wrong PIN now brings the token closer to locking than a fresh one: no PIN from a script."""
        return self.state in ("low", "final_try", "locked")

    def wrong_pin_code(self) -> str:
        """The message for a wrong PIN, as severe as the token says the situation is."""
        return {"locked": "token.pin_locked", "final_try": "token.wrong_pin_final",
                "low": "token.wrong_pin_low"}.get(self.state, "token.wrong_pin")


PIN_STATES = ("ok", "low", "final_try", "locked", "unknown")


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
