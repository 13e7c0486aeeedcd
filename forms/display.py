"""How numbers and dates are shown to a Vietnamese user: 5.310.000 đ, dd/mm/yyyy."""

from __future__ import annotations

from datetime import date


def vnd(amount: int) -> str:
    """Whole dong with dots between thousands: 5310000 → '5.310.000'."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def dmy(value: date) -> str:
    return value.strftime("%d/%m/%Y")
