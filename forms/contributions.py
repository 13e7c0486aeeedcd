"""What the unit and the employees pay for a list, from the dated rates in force for the period.

The basis of each row is its salary (an amount, or coefficient × lương cơ sở), capped at 20 × lương cơ sở;
rows without a salary (leaving, unpaid leave) pay nothing in the list. Rates are data
(``resources/rates/contributions.toml``), looked up for the first day of the declared month.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from bhxh_desk.forms import rates
from bhxh_desk.forms.errors import CatalogError
from bhxh_desk.forms.fieldtypes import Period, Salary
from bhxh_desk.forms.resources import resource


@dataclass(frozen=True, slots=True)
class RateSet:
    since: date
    employee: dict[str, Decimal]
    employer: dict[str, Decimal]
    source: str


@dataclass
class Totals:
    rows: int = 0
    basis: int = 0                                   # VND, after the ceiling
    employee: dict[str, int] = field(default_factory=dict)
    employer: dict[str, int] = field(default_factory=dict)
    source: str = ""

    @property
    def employee_total(self) -> int:
        return sum(self.employee.values())

    @property
    def employer_total(self) -> int:
        return sum(self.employer.values())


@cache
def _rate_sets() -> tuple[RateSet, ...]:
    path = resource("rates", "contributions.toml")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        sets = [RateSet(p["from"], {k: Decimal(str(v)) for k, v in p["employee"].items()},
                        {k: Decimal(str(v)) for k, v in p["employer"].items()}, p.get("source", ""))
                for p in data["periods"]]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc
    return tuple(sorted(sets, key=lambda r: r.since))


def rate_set(on: date) -> RateSet | None:
    found = [r for r in _rate_sets() if r.since <= on]
    return found[-1] if found else None


def _vnd(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(parsed_rows: list[dict[str, Any]], period: Period, salary_field: str = "tienLuong") -> Totals:
    on = period.first_day
    base, ceiling, rs = rates.base_salary(on), rates.salary_ceiling(on), rate_set(on)
    out = Totals(source=rs.source if rs else "")
    if base is None or ceiling is None or rs is None:
        return out
    for row in parsed_rows:
        salary: Salary | None = row.get(salary_field)
        if salary is None:
            continue
        amount = salary.amount if salary.amount is not None else _vnd(salary.coefficient * base.amount)
        basis = min(amount, ceiling.amount)
        out.rows += 1
        out.basis += basis
        for name, pct in rs.employee.items():
            out.employee[name] = out.employee.get(name, 0) + _vnd(Decimal(basis) * pct / 100)
        for name, pct in rs.employer.items():
            out.employer[name] = out.employer.get(name, 0) + _vnd(Decimal(basis) * pct / 100)
    return out
