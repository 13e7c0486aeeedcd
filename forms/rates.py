"""Dated amounts: lương cơ sở, mức tham chiếu, regional minimum wages, the salary floor and each fund's ceiling.

Amounts change by decree, so they are data (``resources/rates/*.toml``), each entry in force from its date
until the next. A lookup takes the date that matters (the first day of the month concerned) and returns
the figure with the instrument it comes from and whether that was read in its text (``confirmed``), so a
message or a printout can cite it. Percentages by fund are in ``forms/fund_rates.py``.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from bhxh_desk.forms.errors import CatalogError
from bhxh_desk.forms.resources import resource

FUNDS = ("bhxh", "bhyt", "bhtn", "bhtnld")


@dataclass(frozen=True, slots=True)
class Dated:
    start: date
    values: dict[str, int]
    source: str
    confirmed: bool
    trained_uplift_pct: int = 0


@dataclass(frozen=True, slots=True)
class Rate:
    amount: int
    source: str
    since: date
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class CeilingRule:
    multiple: int
    of: str              # "base_salary", "reference_level" or "regional_minimum"
    source: str
    confirmed: bool


def load_toml(name: str) -> dict[str, Any]:
    """One file of ``resources/rates``; a broken file is a packaging fault, so ``CatalogError``."""
    path = resource("rates", f"{name}.toml")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc


def broken(name: str, exc: Exception) -> CatalogError:
    return CatalogError("catalog.invalid", path=f"{name}.toml", reason=repr(exc))


@cache
def _table(name: str) -> tuple[Dated, ...]:
    data = load_toml(name)
    try:
        rows = []
        for p in data["periods"]:
            values = {str(k): int(v) for k, v in p["zones"].items()} if "zones" in p else {"": int(p["amount"])}
            rows.append(Dated(start=p["from"], values=values, source=p.get("source", ""),
                              confirmed=bool(p.get("confirmed", False)),
                              trained_uplift_pct=int(p.get("trained_uplift_pct", 0))))
    except (KeyError, TypeError, ValueError) as exc:
        raise broken(name, exc) from exc
    rows.sort(key=lambda r: r.start)
    return tuple(rows)


def _entry(table: tuple[Dated, ...], on: date) -> Dated | None:
    i = bisect.bisect_right([r.start for r in table], on) - 1
    return table[i] if i >= 0 else None


def _lookup(name: str, on: date, key: str) -> Rate | None:
    row = _entry(_table(name), on)
    if row is None or key not in row.values:
        return None
    return Rate(amount=row.values[key], source=row.source, since=row.start, confirmed=row.confirmed)


def base_salary(on: date) -> Rate | None:
    return _lookup("base_salary", on, "")


@cache
def _reference_rule() -> tuple[date, str, bool]:
    data = load_toml("base_salary")
    try:
        r = data["reference_level"]
        return r["from"], str(r["source"]), bool(r.get("confirmed", False))
    except (KeyError, TypeError) as exc:
        raise broken("base_salary", exc) from exc


def reference_level(on: date) -> Rate | None:
    """Mức tham chiếu: equal to lương cơ sở while that exists (Luật BHXH 41/2024); none before 1/7/2025."""
    since, source, confirmed = _reference_rule()
    base = base_salary(on)
    if on < since or base is None:
        return None
    return Rate(amount=base.amount, source=f"{source}; {base.source}", since=max(since, base.since),
                confirmed=confirmed and base.confirmed)


def zone_key(raw: object) -> str | None:
    """The wage zone as the tables key it ("1".."4"), from D02-TS's "01".."04", the old "1".."4" or a number."""
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if text.isdigit() and 1 <= int(text) <= 4 and len(text) <= 2:
        return str(int(text))
    return None


def regional_minimum(zone: object, on: date) -> Rate | None:
    key = zone_key(zone)
    return _lookup("regional_minimum", on, key) if key else None


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def salary_floor(zone: object, on: date, *, trained: bool = False) -> Rate | None:
    """The lowest lawful salary: the zone's minimum; for a trained worker before 1/7/2022, 7% more
    (NĐ 90/2019 and earlier; NĐ 38/2022 ended it). The decrees give no rounding: half up to the đồng."""
    key = zone_key(zone)
    row = _entry(_table("regional_minimum"), on) if key else None
    if row is None or key not in row.values:
        return None
    amount = row.values[key]
    if trained and row.trained_uplift_pct:
        amount = _half_up(Decimal(amount) * (100 + row.trained_uplift_pct) / 100)
    return Rate(amount=amount, source=row.source, since=row.start, confirmed=row.confirmed)


@cache
def _ceiling_rules() -> tuple[tuple[date, dict[str, CeilingRule]], ...]:
    data = load_toml("ceilings")
    try:
        periods = []
        for p in data["periods"]:
            rules = {name: CeilingRule(int(r["multiple"]), str(r["of"]), str(r["source"]),
                                       r.get("confidence") == "P")
                     for name, r in p.items() if name != "from"}
            missing = set(FUNDS) - set(rules)
            if missing:
                raise KeyError(f"{p['from']}: {sorted(missing)}")
            periods.append((p["from"], rules))
    except (KeyError, TypeError, ValueError) as exc:
        raise broken("ceilings", exc) from exc
    return tuple(sorted(periods, key=lambda x: x[0]))


def ceiling(fund: str, on: date, *, zone: object = None, coefficient: bool = False) -> Rate | None:
    """The most ``fund``'s basis counts in the month of ``on``: for BHTN the row's zone matters (20 × its
    minimum), and a coefficient (state pay-scale) row has its own BHTN rule. None when no table covers it."""
    rules = _ceiling_rules()
    i = bisect.bisect_right([start for start, _ in rules], on) - 1
    if i < 0:
        return None
    table = rules[i][1]
    rule = table["bhtn_coefficient"] if fund == "bhtn" and coefficient and "bhtn_coefficient" in table \
        else table[fund]
    if rule.of == "regional_minimum":
        of = regional_minimum(zone, on)
    elif rule.of == "reference_level":
        of = reference_level(on)
    else:
        of = base_salary(on)
    if of is None:
        return None
    return Rate(amount=rule.multiple * of.amount, source=f"{rule.source}; {of.source}",
                since=max(rules[i][0], of.since), confirmed=rule.confirmed and of.confirmed)


def salary_ceiling(on: date) -> Rate | None:
    """The BHXH ceiling (20 × mức tham chiếu, before 1/7/2025 20 × lương cơ sở)."""
    return ceiling("bhxh", on)
