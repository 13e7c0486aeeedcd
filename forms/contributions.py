"""What the unit and each employee pay for a dossier's period, per row and per fund, from dated rates.

One function, ``compute``, serves the ``contributions`` command, the editor's totals and the printout, so
the three never disagree. Forms are data: a form's ``[contributions]`` table names the fields that carry the
change code, the salary and allowances, the wage zone, the months and the person's numbers; nothing here
knows D02-TS by name.

For each row and month:
- the salary: an amount (plus the allowances in VND), or a coefficient (plus coefficient allowances, the
  above-scale and professional seniority percentages) × that month's lương cơ sở;
- each fund's basis is that salary capped on its own (``forms.rates.ceiling``): BHXH and BHTNLĐ-BNN at
  20 × mức tham chiếu, BHYT at 20 × lương cơ sở, BHTN at 20 × the row's zone minimum (a coefficient row:
  see ``ceilings.toml``). A salary above a cap is lawful; only the basis stops there;
- the phương án code says which funds the row touches (``resources/rates/phuong_an_funds.toml``);
- amounts are basis × percent of that month (``forms.fund_rates``), rounded half up to the đồng per fund
  and per row. No legal text states a rounding rule (research for issue 14, section 6): whole đồng is what
  BHXH's notices show, and half up is the common reading, so this is bhxh-desk's decision.

A row whose months start before the dossier's period (a 601 back payment, AD/SB, a late TM) gets one
``back`` entry per earlier month, each with that month's lương cơ sở, ceilings and rates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from bhxh_desk.forms import fieldtypes, fund_rates, rates
from bhxh_desk.forms.catalog import Catalog, load_catalog
from bhxh_desk.forms.draft import Draft, Row
from bhxh_desk.forms.errors import BhxhError, CatalogError, DraftError
from bhxh_desk.forms.fieldtypes import Period, Salary
from bhxh_desk.forms.model import Field, FieldType, Form

FUNDS = rates.FUNDS                       # bhxh, bhyt, bhtn, bhtnld: the four a unit pays
# Which components of the law each fund holds: employer bhxh = pension + sickness (17% today).
_COMPONENTS = {"bhxh": ("pension", "sickness"), "bhyt": ("bhyt",), "bhtn": ("bhtn",), "bhtnld": ("tnld",)}
MAX_BACK_MONTHS = 12 * 40                 # a mistyped year must not make a list of centuries


@dataclass(frozen=True, slots=True)
class Funds:
    """VND per fund."""

    bhxh: int = 0
    bhyt: int = 0
    bhtn: int = 0
    bhtnld: int = 0

    @property
    def total(self) -> int:
        return self.bhxh + self.bhyt + self.bhtn + self.bhtnld

    def plus(self, other: Funds) -> Funds:
        return Funds(*(getattr(self, f) + getattr(other, f) for f in FUNDS))

    def as_dict(self, funds: tuple[str, ...] = FUNDS) -> dict[str, int]:
        return {f: getattr(self, f) for f in funds}


ZERO = Funds()


@dataclass(frozen=True, slots=True)
class MonthAmounts:
    month: Period
    basis: Funds
    employee: Funds
    employer: Funds


@dataclass(frozen=True, slots=True)
class RowContribution:
    form: str
    row: int                      # 1-based
    name: str
    code: str                     # the phương án, "" when none
    foreign: bool
    current: MonthAmounts         # the dossier's period
    back: tuple[MonthAmounts, ...]
    notes: tuple[str, ...]        # message codes (contributions.*) about this row

    def months(self) -> tuple[MonthAmounts, ...]:
        return (*self.back, self.current)

    @property
    def employee_total(self) -> int:
        return sum(m.employee.total for m in self.months())

    @property
    def employer_total(self) -> int:
        return sum(m.employer.total for m in self.months())


@dataclass(frozen=True, slots=True)
class FormSummary:
    form: str
    paying_rows: int
    basis_bhxh: int               # the dossier period's BHXH bases: the salary fund the list declares
    employee: Funds               # back months included
    employer: Funds


@dataclass(frozen=True, slots=True)
class Contributions:
    period: Period
    rows: tuple[RowContribution, ...]
    sources: tuple[str, ...]      # instruments behind the dossier period's figures

    @property
    def employee_total(self) -> int:
        return sum(r.employee_total for r in self.rows)

    @property
    def employer_total(self) -> int:
        return sum(r.employer_total for r in self.rows)

    def forms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.form for r in self.rows))

    def summary(self, form: str) -> FormSummary:
        rows = [r for r in self.rows if r.form == form]
        employee, employer = ZERO, ZERO
        for r in rows:
            for m in r.months():
                employee, employer = employee.plus(m.employee), employer.plus(m.employer)
        paying = sum(1 for r in rows if any(m.basis.total for m in r.months()))
        return FormSummary(form, paying, sum(r.current.basis.bhxh for r in rows), employee, employer)

    def as_json(self) -> dict[str, Any]:
        """The shape ``bhxh-desk contributions --json`` prints (issue 14): VND integers."""
        def month(m: MonthAmounts) -> dict[str, Any]:
            return {"basis": m.basis.as_dict(), "employee": m.employee.as_dict(("bhxh", "bhyt", "bhtn")),
                    "employer": m.employer.as_dict()}

        rows = []
        for r in self.rows:
            item: dict[str, Any] = {"form": r.form, "row": r.row, **month(r.current)}
            if r.back:
                item["back"] = [{"month": str(m.month), **month(m)} for m in r.back]
            rows.append(item)
        return {"period": str(self.period), "rows": rows,
                "totals": {"employee": self.employee_total, "employer": self.employer_total}}


# ---------------------------------------------------------------- what the catalog and the data say

@dataclass(frozen=True, slots=True)
class Nationality:
    form: str                                     # the declaration that gives it (TK1-TS)
    field: str
    home: str                                     # the code of Việt Nam
    match: tuple[tuple[str, str], ...]            # (this form's field, the declaration's field)


@dataclass(frozen=True, slots=True)
class Spec:
    """A form's ``[contributions]`` table, typed."""

    code: str
    salary: str
    zone: str
    start: str
    end: str
    name: str = ""
    coefficient_allowances: tuple[str, ...] = ()
    above_scale_pct: str = ""      # % of the salary coefficient (phụ cấp thâm niên vượt khung)
    seniority_pct: str = ""        # % of coefficient + position + above-scale (phụ cấp thâm niên nghề)
    amount_allowances: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()      # the person's numbers (mã số BHXH, CCCD/ĐDCN), for a caller's test
    passport: str = ""             # a number here with letters in it is a passport: a foreign worker
    nationality: Nationality | None = None


@dataclass(frozen=True, slots=True)
class CodeFunds:
    funds: frozenset[str]
    sign: int


@dataclass(frozen=True, slots=True)
class Person:
    """Who a row is, for a caller's ``foreign`` test (the employee register)."""

    name: str
    ids: tuple[str, ...]           # the numbers the row gives (mã số BHXH, CCCD/ĐDCN or passport)


ForeignTest = Callable[[Person], bool] | Collection[str]


def spec_of(form: Form) -> Spec | None:
    d = form.contributions
    if not d:
        return None
    try:
        nat = d.get("nationality")
        nationality = Nationality(str(nat["form"]), str(nat["field"]), str(nat["home"]),
                                  tuple((str(a), str(b)) for a, b in nat["match"])) if nat else None
        return Spec(code=str(d["code"]), salary=str(d["salary"]), zone=str(d["zone"]), start=str(d["from"]),
                    end=str(d["to"]), name=str(d.get("name", "")),
                    coefficient_allowances=tuple(map(str, d.get("coefficient_allowances", ()))),
                    above_scale_pct=str(d.get("above_scale_pct", "")), seniority_pct=str(d.get("seniority_pct", "")),
                    amount_allowances=tuple(map(str, d.get("amount_allowances", ()))),
                    ids=tuple(map(str, d.get("ids", ()))), passport=str(d.get("passport", "")), nationality=nationality)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError("catalog.invalid", path=f"{form.code}.toml", reason=f"[contributions] {exc!r}") from exc


@cache
def _code_funds() -> tuple[dict[str, CodeFunds], str]:
    data = rates.load_toml("phuong_an_funds")
    try:
        table = {}
        for code, entry in data["codes"].items():
            funds = frozenset(map(str, entry["funds"]))
            sign = int(entry.get("sign", 1))
            if funds - set(FUNDS) or sign not in (1, -1):
                raise ValueError(code)
            table[str(code)] = CodeFunds(funds, sign)
        return table, str(data.get("source", ""))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise rates.broken("phuong_an_funds", exc) from exc


def code_funds(code: str) -> CodeFunds:
    """The funds a phương án touches; a code the table does not list pays every fund."""
    return _code_funds()[0].get(code.strip(), CodeFunds(frozenset(FUNDS), 1))


# ---------------------------------------------------------------- reading a row

class _Values:
    """A row's values as the validator parsed them when given, else parsed here; a field the catalog does
    not (yet) know is taken as written."""

    def __init__(self, form: Form, raw: Row, parsed: Mapping[str, Any] | None) -> None:
        self.form, self.raw, self.parsed = form, raw, parsed

    def get(self, name: str) -> Any:
        if not name:
            return None
        if self.parsed is not None and name in self.parsed:
            return self.parsed[name]
        raw = self.raw.get(name)
        if fieldtypes.is_empty(raw):
            return None
        f = self.form.field(name)
        if f is None:
            return str(raw).strip()
        try:
            return fieldtypes.parse(f, raw)
        except BhxhError:
            return None


_PCT = Field("pct", "pct", "pct", FieldType.RATE)


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Salary):
        return value.coefficient or Decimal(0)
    try:
        return fieldtypes.parse(_PCT, value)        # type: ignore[return-value]
    except BhxhError:
        return Decimal(0)


def _money(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def salary_of(spec: Spec, v: _Values, month: Period) -> tuple[int | None, bool]:
    """The month's salary in VND and whether it is a coefficient salary; None when it cannot be told."""
    salary = v.get(spec.salary)
    if not isinstance(salary, Salary):
        return None, False
    extra = sum(_money(v.get(n)) for n in spec.amount_allowances)
    if salary.amount is not None:
        return salary.amount + extra, False
    base = rates.base_salary(month.first_day)
    if base is None:
        return None, True
    coefficient = salary.coefficient or Decimal(0)
    position = sum((_decimal(v.get(n)) for n in spec.coefficient_allowances), Decimal(0))
    above_scale = coefficient * _decimal(v.get(spec.above_scale_pct)) / 100
    seniority = (coefficient + position + above_scale) * _decimal(v.get(spec.seniority_pct)) / 100
    return _half_up((coefficient + position + above_scale + seniority) * base.amount) + extra, True


def _months(first: Period, last: Period) -> list[Period]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month) and len(out) <= MAX_BACK_MONTHS:
        out.append(Period(y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _previous(p: Period) -> Period:
    return Period(p.year - 1, 12) if p.month == 1 else Period(p.year, p.month - 1)


def _highest_zone_cap(on) -> rates.Rate | None:
    caps = [rates.ceiling("bhtn", on, zone=z) for z in ("1", "2", "3", "4")]
    found = [c for c in caps if c is not None]
    return max(found, key=lambda c: c.amount) if found else None


def month_amounts(spec: Spec, v: _Values, month: Period, funds: CodeFunds, *, foreign: bool,
                  budget_funded: bool, notes: list[str]) -> MonthAmounts:
    on = month.first_day
    salary, coefficient = salary_of(spec, v, month)
    shares = fund_rates.month_rates(on, foreign=foreign, budget_funded=budget_funded)
    if salary is None or not funds.funds:
        return MonthAmounts(month, ZERO, ZERO, ZERO)
    if shares is None:
        notes.append("contributions.no_rate")
        return MonthAmounts(month, ZERO, ZERO, ZERO)
    zone = v.get(spec.zone)
    basis: dict[str, int] = {}
    for fund in FUNDS:
        if fund not in funds.funds:
            basis[fund] = 0
            continue
        cap = rates.ceiling(fund, on, zone=zone, coefficient=coefficient)
        if cap is None and fund == "bhtn" and rates.zone_key(zone) is None:
            if "contributions.no_zone" not in notes:
                notes.append("contributions.no_zone")
            cap = _highest_zone_cap(on)
        if cap is None:
            notes.append("contributions.no_rate")
            return MonthAmounts(month, ZERO, ZERO, ZERO)
        basis[fund] = min(salary, cap.amount)

    def side(shares_of: fund_rates.Shares) -> Funds:
        return Funds(**{fund: funds.sign * _half_up(
            Decimal(basis[fund]) * sum(getattr(shares_of, c) for c in _COMPONENTS[fund]) / 100)
            for fund in FUNDS})

    return MonthAmounts(month, Funds(**basis), side(shares.employee), side(shares.employer))


# ---------------------------------------------------------------- foreign workers

def _declared_foreign(spec: Spec, draft: Draft, catalog: Catalog,
                      parsed: Mapping[str, list[dict[str, Any]]] | None) -> dict[str, set[str]]:
    """For each of this form's id fields, the numbers the dossier's declarations give for non-Vietnamese."""
    nat = spec.nationality
    out: dict[str, set[str]] = {}
    if nat is None or nat.form not in draft.forms or nat.form not in catalog.forms:
        return out
    form = catalog.form(nat.form)
    rows_parsed = (parsed or {}).get(nat.form)
    for i, raw in enumerate(draft.rows(nat.form)):
        v = _Values(form, raw, rows_parsed[i] if rows_parsed and i < len(rows_parsed) else None)
        country = v.get(nat.field)
        if country is None or str(country).strip().upper() == nat.home.upper():
            continue
        for mine, theirs in nat.match:
            number = v.get(theirs)
            if number is not None:
                out.setdefault(mine, set()).add(str(number).strip())
    return out


def _is_foreign(spec: Spec, v: _Values, declared: dict[str, set[str]], person: Person,
                caller: ForeignTest | None) -> bool:
    passport = v.raw.get(spec.passport) if spec.passport else None     # as typed: letters mean a passport
    if not fieldtypes.is_empty(passport) and not str(passport).strip().isdigit():
        return True
    for mine, numbers in declared.items():
        value = v.get(mine)
        if value is not None and str(value).strip() in numbers:
            return True
    if caller is None:
        return False
    if callable(caller):
        return bool(caller(person))
    return any(n in caller for n in person.ids)


# ---------------------------------------------------------------- the dossier

def period_of(draft: Draft) -> Period:
    try:
        month, year = (int(x) for x in str(draft.period).split("/"))
        return Period(year, month)
    except ValueError:
        raise DraftError("contributions.no_period", period=draft.period) from None


def compute(draft: Draft, catalog: Catalog | None = None, *,
            parsed: Mapping[str, list[dict[str, Any]]] | None = None,
            foreign: ForeignTest | None = None, budget_funded: bool = False) -> Contributions:
    """Every row of every form that declares ``[contributions]``, for the draft's period.

    ``parsed``: the validator's parsed rows (``Checked.parsed``), so nothing is parsed twice. ``foreign``: a
    set of numbers, or a test on a ``Person``, for people the caller knows are foreign (the register);
    the dossier's own TK1-TS and a passport number count too. ``budget_funded``: the unit's regular
    spending is paid by the State budget, so the temporary cuts of 2021-2022 do not apply to it."""
    catalog = catalog or load_catalog()
    period = period_of(draft)
    out: list[RowContribution] = []
    for code, raw_rows in draft.forms.items():
        form = catalog.forms.get(code)
        spec = spec_of(form) if form is not None else None
        if form is None or spec is None:
            continue
        declared = _declared_foreign(spec, draft, catalog, parsed)
        rows_parsed = (parsed or {}).get(code)
        for i, raw in enumerate(raw_rows):
            v = _Values(form, raw, rows_parsed[i] if rows_parsed and i < len(rows_parsed) else None)
            out.append(_row(spec, code, i + 1, v, period, declared, foreign, budget_funded))
    shares = fund_rates.month_rates(period.first_day, budget_funded=budget_funded)
    base = rates.base_salary(period.first_day)
    sources = tuple(dict.fromkeys([*(shares.sources if shares else ()), *([base.source] if base else [])]))
    return Contributions(period, tuple(out), sources)


def _row(spec: Spec, form: str, number: int, v: _Values, period: Period, declared: dict[str, set[str]],
         caller: ForeignTest | None, budget_funded: bool) -> RowContribution:
    code = str(v.get(spec.code) or "").strip()
    ids = tuple(str(v.get(n)).strip() for n in spec.ids if v.get(n) is not None)
    person = Person(str(v.get(spec.name) or ""), ids)
    is_foreign = _is_foreign(spec, v, declared, person, caller)
    funds = code_funds(code)
    if is_foreign:               # not a participant of BHTN at all (Luật Việc làm 74/2025 Đ. 2(1)): no basis either
        funds = CodeFunds(funds.funds - {"bhtn"}, funds.sign)
    notes: list[str] = []
    start = v.get(spec.start) if isinstance(v.get(spec.start), Period) else period
    end = v.get(spec.end) if isinstance(v.get(spec.end), Period) else period
    kw = {"foreign": is_foreign, "budget_funded": budget_funded, "notes": notes}
    back: list[MonthAmounts] = []
    if funds.funds and start < period:
        for month in _months(start, min(end, _previous(period))):
            if fund_rates.month_rates(month.first_day) is None:
                if "contributions.no_rate" not in notes:
                    notes.append("contributions.no_rate")
                continue
            back.append(month_amounts(spec, v, month, funds, **kw))
    current = month_amounts(spec, v, period, funds, **kw) if start <= period <= end \
        else MonthAmounts(period, ZERO, ZERO, ZERO)
    return RowContribution(form, number, person.name, code, is_foreign, current, tuple(back),
                           tuple(dict.fromkeys(notes)))
