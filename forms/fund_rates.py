"""Contribution percentages by component and side for a month, with the temporary cuts and foreign workers.

The tables are ``resources/rates/contributions.toml``: standard periods, temporary cuts (NQ 68/NQ-CP's
TNLĐ-BNN 0% from 1/7/2021 to 30/6/2022, NQ 116/NQ-CP's employer BHTN 0% from 1/10/2021 to 30/9/2022) and the
components that differ for a foreign worker. Components are the funds of the law (pension, sickness, tnld,
bhyt, bhtn); ``forms.contributions`` groups them into the four funds a unit pays.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from bhxh_desk.forms.rates import broken, load_toml

COMPONENTS = ("pension", "sickness", "tnld", "bhyt", "bhtn")
SIDES = ("employee", "employer")


@dataclass(frozen=True, slots=True)
class Shares:
    """Percent of the capped basis per component, one side."""

    pension: Decimal
    sickness: Decimal
    tnld: Decimal
    bhyt: Decimal
    bhtn: Decimal

    def replace(self, changes: dict[str, Decimal]) -> Shares:
        return Shares(**{c: changes.get(c, getattr(self, c)) for c in COMPONENTS})


@dataclass(frozen=True, slots=True)
class MonthRates:
    employee: Shares
    employer: Shares
    sources: tuple[str, ...]       # every instrument the figures come from, standard first
    confirmed: bool


@dataclass(frozen=True, slots=True)
class _Period:
    start: date
    employee: dict[str, Decimal]
    employer: dict[str, Decimal]
    source: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class _Cut:
    start: date
    end: date
    side: str
    component: str
    rate: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class _Tables:
    periods: tuple[_Period, ...]
    cuts: tuple[_Cut, ...]
    foreign: tuple[_Period, ...]


def _pct(values: dict[str, Any], complete: bool) -> dict[str, Decimal]:
    out = {str(k): Decimal(str(v)) for k, v in values.items()}
    unknown = set(out) - set(COMPONENTS)
    if unknown or (complete and set(out) != set(COMPONENTS)):
        raise KeyError(f"components {sorted(out)}")
    return out


def _periods(items: list[dict[str, Any]], complete: bool) -> tuple[_Period, ...]:
    rows = [_Period(p["from"], _pct(p["employee"], complete), _pct(p["employer"], complete),
                    str(p.get("source", "")), bool(p.get("confirmed", False))) for p in items]
    return tuple(sorted(rows, key=lambda r: r.start))


@cache
def _tables() -> _Tables:
    data = load_toml("contributions")
    try:
        cuts = tuple(_Cut(c["from"], c["to"], str(c["side"]), str(c["component"]), Decimal(str(c["rate"])),
                          str(c["source"])) for c in data.get("cuts", []))
        if any(c.side not in SIDES or c.component not in COMPONENTS for c in cuts):
            raise KeyError("cut side or component")
        return _Tables(_periods(data["periods"], True), cuts, _periods(data.get("foreign", []), False))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise broken("contributions", exc) from exc


def _at(periods: tuple[_Period, ...], on: date) -> _Period | None:
    i = bisect.bisect_right([p.start for p in periods], on) - 1
    return periods[i] if i >= 0 else None


def month_rates(on: date, *, foreign: bool = False, budget_funded: bool = False) -> MonthRates | None:
    """The percentages in force on ``on``. ``budget_funded``: the unit's regular spending is paid by the
    State budget, which the temporary cuts excluded. None before the first table."""
    t = _tables()
    std = _at(t.periods, on)
    if std is None:
        return None
    employee, employer = Shares(**std.employee), Shares(**std.employer)
    sources, confirmed = [std.source], std.confirmed
    if foreign:
        f = _at(t.foreign, on)
        if f is not None:
            employee, employer = employee.replace(f.employee), employer.replace(f.employer)
            sources.append(f.source)
            confirmed = confirmed and f.confirmed
    if not budget_funded:
        for cut in t.cuts:
            if cut.start <= on <= cut.end:
                if cut.side == "employee":
                    employee = employee.replace({cut.component: cut.rate})
                else:
                    employer = employer.replace({cut.component: cut.rate})
                sources.append(cut.source)
                confirmed = False
    return MonthRates(employee, employer, tuple(sources), confirmed)
