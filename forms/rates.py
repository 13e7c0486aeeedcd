"""Dated tables: lương cơ sở and regional minimum wages.

Rates change by decree, so they are data (``resources/rates/*.toml``), each entry in force from its date
until the next. A lookup takes the date that matters (the first day of the declared month) and returns
the figure with the decree it comes from, so a validation message can cite it.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache

from bhxh_desk.forms.errors import CatalogError
from bhxh_desk.forms.resources import resource

CEILING_MULTIPLE = 20


@dataclass(frozen=True, slots=True)
class Dated:
    start: date
    values: dict[str, int]
    source: str


@dataclass(frozen=True, slots=True)
class Rate:
    amount: int
    source: str
    since: date


@cache
def _table(name: str) -> tuple[Dated, ...]:
    path = resource("rates", f"{name}.toml")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        rows = []
        for p in data["periods"]:
            values = {str(k): int(v) for k, v in p["zones"].items()} if "zones" in p else {"": int(p["amount"])}
            rows.append(Dated(start=p["from"], values=values, source=p.get("source", "")))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc
    rows.sort(key=lambda r: r.start)
    return tuple(rows)


def _lookup(name: str, on: date, key: str) -> Rate | None:
    table = _table(name)
    i = bisect.bisect_right([r.start for r in table], on) - 1
    if i < 0 or key not in table[i].values:
        return None
    row = table[i]
    return Rate(amount=row.values[key], source=row.source, since=row.start)


def base_salary(on: date) -> Rate | None:
    return _lookup("base_salary", on, "")


def regional_minimum(zone: str, on: date) -> Rate | None:
    return _lookup("regional_minimum", on, str(zone))


def salary_ceiling(on: date) -> Rate | None:
    base = base_salary(on)
    if base is None:
        return None
    return Rate(amount=base.amount * CEILING_MULTIPLE, source=base.source, since=base.since)
