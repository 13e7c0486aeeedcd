"""Pension age by sex and month of birth, from the dated cohort table ``resources/rates/pension_age.toml``
(NĐ 135/2020/NĐ-CP, Appendices I and II): never a constant, since each cohort has its own age.

A birth date known only as a year (or month and year) is taken at its first day, as public code that follows
the decree does: the person is put in the earliest cohort the date allows, and the caller says so.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import NamedTuple

from bhxh_desk.forms.errors import CatalogError
from bhxh_desk.forms.rates import broken, load_toml

TABLE = "pension_age"


class PensionAge(NamedTuple):
    years: int
    months: int
    source: str
    confidence: str              # P, S or U, as in the table

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def text(self, lang: str = "vi") -> str:
        if lang == "en":
            return f"{self.years} years" + (f" {self.months} months" if self.months else "")
        return f"{self.years} tuổi" + (f" {self.months} tháng" if self.months else "")


@cache
def _cohorts() -> dict[str, tuple[tuple[tuple[int, int], PensionAge], ...]]:
    data = load_toml(TABLE)
    try:
        source = str(data["source"])
        out: dict[str, list[tuple[tuple[int, int], PensionAge]]] = {}
        for c in data["cohorts"]:
            born = str(c["born_from"])
            start = (0, 0) if not born else (int(born[3:]), int(born[:2]))
            age = PensionAge(int(c["years"]), int(c["months"]), source, str(c["confidence"]))
            out.setdefault(str(c["gender"]), []).append((start, age))
        return {g: tuple(sorted(rows)) for g, rows in out.items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise broken(TABLE, exc) from exc


def pension_age(gender: str, year: int, month: int = 1) -> PensionAge:
    """The pension age of a person of ``gender`` ("1" Nam, "0" Nữ) born in ``month``/``year``."""
    table = _cohorts().get(str(gender))
    if not table:
        raise CatalogError("catalog.invalid", path=f"{TABLE}.toml", reason=f"no cohorts for gender {gender!r}")
    found = table[0][1]
    for start, age in table:
        if (year, month) >= start:
            found = age
    return found


def reached_on(born: date, age: PensionAge) -> date:
    """The day the person reaches ``age`` (the same day of the month, or the month's last day)."""
    total = born.year * 12 + born.month - 1 + age.total_months
    y, m = divmod(total, 12)
    import calendar

    return date(y, m + 1, min(born.day, calendar.monthrange(y, m + 1)[1]))
