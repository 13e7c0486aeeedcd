"""Validation of a draft against the catalog: field types, then the rules the catalog names.

Every mistake becomes one ``Issue`` naming the form, the 1-based row, the field (a dotted path inside
nested groups), a stable code and the message in Vietnamese and English. Validation never raises on bad
user input; only a broken catalog raises ``CatalogError``.

Rules are named in the catalog (``[[rules]] id = "..."``) and implemented once here, in ``RULES``; a new
form reuses them by naming them with its own field names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date as _date
from enum import StrEnum
from itertools import count, repeat
from typing import Any

from bhxh_desk.forms import fieldtypes, rates
from bhxh_desk.forms.catalog import Catalog, code_list, load_catalog, row_default
from bhxh_desk.forms.display import dmy, vnd
from bhxh_desk.forms.draft import Draft, Row, Unit
from bhxh_desk.forms.errors import CatalogError, FieldError
from bhxh_desk.forms.fieldtypes import Period, Salary
from bhxh_desk.forms.messages import render
from bhxh_desk.forms.model import Field, FieldType, Form, RuleSpec

UNIT_FORM = "unit"
DOSSIER = "dossier"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    form: str                # form code, "unit" or "dossier"
    row: int | None          # 1-based row in that form, None for the form or dossier as a whole
    field: str | None        # field name; nested fields as "PhuLuc.DSThanhVien[2].HoTen"
    code: str
    severity: Severity
    message_vi: str
    message_en: str

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        parts = [self.form]
        if self.row is not None:
            parts.append(f"#{self.row}")
        if self.field:
            parts.append(self.field)
        return " ".join(parts)


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)

    def add(self, form: str, row: int | None, path: str | None, label: Field | tuple[str, str] | None,
            code: str, severity: Severity = Severity.ERROR, /, **params: object) -> None:
        if isinstance(label, Field):
            vi_label, en_label = label.label_vi, label.label_en or label.label_vi
        elif label is None:
            vi_label = en_label = path or ""
        else:
            vi_label, en_label = label
        self.issues.append(Issue(
            form=form, row=row, field=path, code=code, severity=severity,
            message_vi=render(code, "vi", field=vi_label, **params),
            message_en=render(code, "en", field=en_label, **params),
        ))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]


# ---------------------------------------------------------------- field level

def _check_code(f: Field, value: str, siblings: Mapping[str, Any], report: Report, where: tuple) -> bool:
    codes = code_list(f.codes or "")
    entry = codes.entries.get(value)
    if entry is None:
        if not codes.complete and codes.code_pattern and re.fullmatch(codes.code_pattern, value):
            report.add(*where, f, "field.code_unlisted", Severity.WARNING, value=value, list=codes.title_vi)
            return True
        report.add(*where, f, "field.code_unknown", value=value, list=codes.title_vi)
        return False
    if f.parent:
        parent_value = siblings.get(f.parent)
        if isinstance(parent_value, str) and parent_value.strip() and entry.parent != parent_value.strip():
            report.add(*where, f, "field.code_parent", value=value, parent=f.parent)
            return False
    return True


def check_fields(form: str, row_no: int | None, fields: Iterable[Field], row: Mapping[str, Any],
                 report: Report, prefix: str = "") -> dict[str, Any]:
    """Check one row's values; return the parsed values of the fields that passed (None when empty)."""
    fields = tuple(fields)
    parsed: dict[str, Any] = {}
    known = {f.name for f in fields}
    for key in row:
        if key not in known:
            report.add(form, row_no, prefix + key, None, "field.unknown", name=key, form=form)
    for f in fields:
        path = prefix + f.name
        where = (form, row_no, path)
        raw = row.get(f.name)
        if f.type is FieldType.SEQ:
            continue
        if f.type is FieldType.GROUP:
            if raw is None:
                parsed[f.name] = None
            elif not isinstance(raw, Mapping):
                report.add(*where, f, "field.not_a_group")
            else:
                parsed[f.name] = check_fields(form, row_no, f.fields, raw, report, path + ".")
            continue
        if f.type is FieldType.TABLE:
            if raw is None:
                parsed[f.name] = []
            elif not isinstance(raw, list):
                report.add(*where, f, "field.not_a_list")
            else:
                parsed[f.name] = [
                    check_fields(form, row_no, f.fields, sub, report, f"{path}[{i}].")
                    if isinstance(sub, Mapping) else report.add(*where, f, "field.not_a_group")
                    for i, sub in enumerate(raw, start=1)
                ]
            continue
        if fieldtypes.is_empty(raw) and (f.default_when or f.default is not None):
            default = row_default(f, row, fields)
            if default is not None:
                raw = default
        if fieldtypes.is_empty(raw):
            parsed[f.name] = None
            cond = f.required_if
            if f.required:
                report.add(*where, f, "field.required")
            elif cond and str(row.get(cond.field, "")).strip() in cond.values:
                report.add(*where, f, "field.required_if", condition=cond.field,
                           value=str(row.get(cond.field)).strip())
            continue
        if f.retired:
            report.add(*where, f, "field.retired")
            continue
        try:
            value = fieldtypes.parse(f, raw)
        except FieldError as err:
            report.add(*where, f, err.code, **err.params)
            parsed[f.name] = None
            continue
        if f.type is FieldType.CODE and not _check_code(f, value, row, report, where):
            value = None
        parsed[f.name] = value
    for f in fields:
        if f.follows:
            _follow_birthdate(f, parsed, report, (form, row_no, prefix + f.name))
    return parsed


# ---------------------------------------------------------------- rows in volume

_BAD = object()        # a cell check_fields would report on: its row is checked by check_fields itself
_TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.CODE})
_ID_LENGTHS = {FieldType.BHXH_ID: (10,), FieldType.PERSONAL_ID: (12, 9)}


class _Plan:
    """One field's check, compiled once per form: what its non-empty text becomes (a cache of each
    distinct value: a list repeats its months, zones, codes and salaries), and a shortcut for values that
    cannot fail, taken without a call (an ID of the right digits, a printable NFC text within its limit).
    Whatever it is unsure of is ``_BAD``, and the row goes through ``check_fields``: the fast path only
    ever decides "no issue, this value", never a message."""

    __slots__ = (
        "cache",
        "codes",
        "defaulted",
        "defaults",
        "field",
        "id_lengths",
        "name",
        "pattern",
        "quick_shapes",
        "required",
        "required_if",
        "text_limit",
    )

    def __init__(self, f: Field) -> None:
        self.field = f
        self.name = f.name
        # raw value -> parsed, for values with no issue whatever the row; an empty cell of a field that
        # nothing requires and nothing fills in is None
        self.cache: dict[object, object] = {}
        if not (f.default_when or f.default is not None or f.required or f.required_if):
            self.cache[None] = None
        shortcut = not f.retired
        self.text_limit = (f.max_len or fieldtypes.MAX_TEXT) if f.type in _TEXT_TYPES and shortcut else 0
        self.pattern = re.compile(f.pattern) if f.pattern else None
        self.id_lengths = _ID_LENGTHS.get(f.type, ()) if shortcut else ()
        self.codes = code_list(f.codes).entries if f.type is FieldType.CODE and f.codes else None
        self.defaulted = bool(f.default_when) or f.default is not None
        self.defaults: dict[tuple, str | None] = {}
        self.quick_shapes = f.type in (FieldType.DATE, FieldType.BIRTHDATE, FieldType.SALARY, FieldType.MONEY)
        self.required = f.required
        self.required_if = f.required_if

    def default(self, row: Row, fields: tuple[Field, ...]) -> str | None:
        """``row_default``, remembered by the values of the fields its cases read (a list has few)."""
        # What row_default reads of each case: whether ``filled`` is filled, the text of ``field``.
        key = tuple(bool(str(row.get(c.filled) or "").strip()) if c.filled is not None
                    else str(row.get(c.field or "") or "").strip() for c in self.field.default_when)
        if key not in self.defaults:
            self.defaults[key] = row_default(self.field, row, fields)
        return self.defaults[key]

    def value(self, raw: object) -> object:
        """The parsed value of a non-empty cell, or ``_BAD``."""
        if type(raw) is str:
            hit = self.cache.get(raw, _BAD)
            if hit is not _BAD:
                return hit
            value = self._parse(raw)
            if value is not _BAD and len(self.cache) < 65536:
                self.cache[raw] = value
            return value
        return self._parse(raw)

    def _parse(self, raw: object) -> object:
        f = self.field
        if f.retired:
            return _BAD
        if type(raw) is str and self.quick_shapes:
            value = self.quick_value(raw)
            if value is not _BAD:
                return value
        try:
            value = fieldtypes.parse_uncached(f, raw)
        except FieldError:
            return _BAD
        if self.codes is not None and value not in self.codes:
            return _BAD                       # unknown or unlisted: an error or a warning
        if f.type is FieldType.CODE and self.codes is None:
            return _BAD
        return value

    def quick_value(self, raw: str) -> object:
        """The parse of the common shapes of dates and amounts, made here without fieldtypes' general path
        (its regexes, NFC and Decimal), or ``_BAD`` when the value has another shape (fieldtypes decides).
        Each shape is a case fieldtypes parses to this same value: dd/mm/yyyy of a day that exists (and for
        a birth date, from 1900 to today); an amount of plain ASCII digits (a salary above 100, which is an
        amount and not a coefficient; money within the field's bounds)."""
        t = self.field.type
        if self.field.retired:
            return _BAD
        if t is FieldType.DATE or t is FieldType.BIRTHDATE:
            if len(raw) != 10 or raw[2] != "/" or raw[5] != "/" or not raw.isascii():
                return _BAD
            day, month, year = raw[:2], raw[3:5], raw[6:]
            if not (day.isdigit() and month.isdigit() and year.isdigit()):
                return _BAD
            try:
                when = _date(int(year), int(month), int(day))
            except ValueError:
                return _BAD
            if t is FieldType.DATE:
                return when
            if when.year < 1900 or when > _date.today():
                return _BAD
            return fieldtypes.PartialDate(when.year, when.month, when.day)
        if (t is FieldType.SALARY or t is FieldType.MONEY) and raw.isdigit() and raw.isascii():
            amount = int(raw)
            if t is FieldType.SALARY:
                return Salary(amount=amount) if amount > 100 else _BAD
            f = self.field
            if (f.min_value is not None and amount < f.min_value) or (f.max_value is not None and amount > f.max_value):
                return _BAD
            return amount
        return _BAD

    def quick(self, raw: str) -> bool:
        """The value is its own parse and has no issue, shown without a call into fieldtypes."""
        if self.id_lengths:
            return len(raw) in self.id_lengths and raw.isdigit() and raw.isascii()
        if self.text_limit and self.codes is None:
            return (len(raw) <= self.text_limit and raw.isprintable() and raw.strip() == raw and raw != ""
                    and unicodedata.is_normalized("NFC", raw)
                    and (self.pattern is None or self.pattern.fullmatch(raw) is not None))
        return False


_PLANS: dict[int, tuple[tuple[Field, ...], tuple[_Plan, ...] | None]] = {}


def _plans(fields: tuple[Field, ...]) -> tuple[_Plan, ...] | None:
    """The compiled checks of a form's fields; None for a form with nested groups or lists (its rows are
    checked one by one). Kept by the identity of the catalog's tuple: hashing 40 frozen fields on every
    call cost more than checking a one-row dossier."""
    known = _PLANS.get(id(fields))
    if known is not None and known[0] is fields:
        return known[1]
    if any(f.type in (FieldType.GROUP, FieldType.TABLE) for f in fields):
        plans = None
    else:
        plans = tuple(_Plan(f) for f in fields if f.type is not FieldType.SEQ)
    _PLANS[id(fields)] = (fields, plans)
    return plans


def check_rows(form: str, fields: tuple[Field, ...], rows: list[Row], report: Report,
               pause: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """``check_fields`` of every row, column by column: each field's values are checked in one pass with
    its compiled plan. A row with anything to report is checked again by ``check_fields`` alone, in row
    order, so the issues and their order are exactly those of checking row by row. The parsed values are
    those of ``check_fields``, except that a field no row fills may be absent rather than None."""
    plans = _plans(fields)
    if plans is None or not rows:
        return _rows_one_by_one(form, fields, rows, report, pause)
    known = frozenset(f.name for f in fields)
    bad = {i for i, row in enumerate(rows) if not known.issuperset(row)}
    present = set().union(*rows)          # a column no row fills, for a field nothing fills in: all None
    nothing = [None] * len(rows)
    columns = []
    for plan in plans:
        if plan.name not in present and None in plan.cache:
            columns.append(nothing)
            continue
        columns.append(_column(plan, fields, rows, bad))
        if pause is not None:
            pause()
    # A column no row fills is left out of the rows' dicts (readers use .get): a 100,000-row list's parsed
    # rows are then a third of the memory, 12 keys where the form has 38.
    kept = [(plan.name, column) for plan, column in zip(plans, columns, strict=True) if column is not nothing]
    names = [name for name, _ in kept]
    parsed = [dict(zip(names, values, strict=True)) for values in zip(*(c for _, c in kept), strict=True)] \
        if kept else [{} for _ in rows]
    for f in fields:
        if f.follows:
            for i, values in enumerate(parsed):
                born = values.get(f.follows)
                if born is None or i in bad:
                    continue
                expected = BIRTHDATE_PRECISION[1 + (born.month is not None) + (born.day is not None)]
                if values.get(f.name) is None:
                    values[f.name] = expected
                elif values[f.name] != expected:
                    bad.add(i)
    for k, i in enumerate(sorted(bad), start=1):
        parsed[i] = check_fields(form, i + 1, fields, rows[i], report)
        if pause is not None and k % 256 == 0:
            pause()
    return parsed


def _column(plan: _Plan, fields: tuple[Field, ...], rows: list[Row], bad: set[int]) -> list[Any]:
    """One field's parsed values down the rows. Every distinct value met before is looked up in C (map
    over the plan's cache); only the others go through Python, most of them by ``quick``."""
    name, f = plan.name, plan.field
    col = [row.get(name) for row in rows]
    try:
        out = list(map(plan.cache.get, col, repeat(_BAD, len(col))))
    except TypeError:                                  # an unhashable cell (a list where text belongs)
        out = [_BAD] * len(col)
    plain = not (plan.defaulted or plan.required or plan.required_if)
    cached = plan.cache.get
    for i in [i for i, v in enumerate(out) if v is _BAD]:
        raw = col[i]
        if type(raw) is str:
            # met earlier in this column: the first look at a list meets each code, month and name many times
            hit = cached(raw, _BAD)
            if hit is not _BAD:
                out[i] = hit
                continue
            if raw.strip() and plan.quick(raw):
                out[i] = raw
                if len(plan.cache) < 65536:
                    plan.cache[raw] = raw
                continue
        if fieldtypes.is_empty(raw):
            row = rows[i]
            out[i] = None
            if plain:
                if raw is not None and type(raw) is str:
                    plan.cache[raw] = None
                continue
            if plan.defaulted:
                raw = plan.default(row, fields)
            if fieldtypes.is_empty(raw):
                cond = plan.required_if
                if plan.required or (cond and str(row.get(cond.field, "")).strip() in cond.values):
                    bad.add(i)
                continue
        value = plan.value(raw)
        if value is _BAD:
            bad.add(i)
            out[i] = None
        else:
            out[i] = value
    if f.parent and plan.codes is not None:
        for i, row in enumerate(rows):
            if out[i] is None:
                continue
            parent_value = row.get(f.parent)
            if isinstance(parent_value, str) and parent_value.strip() \
                    and plan.codes[out[i]].parent != parent_value.strip():
                bad.add(i)
    return out


def _rows_one_by_one(form: str, fields: tuple[Field, ...], rows: list[Row], report: Report,
                     pause: Callable[[], None] | None) -> list[dict[str, Any]]:
    parsed = []
    for i, row in enumerate(rows, start=1):
        parsed.append(check_fields(form, i, fields, row, report))
        if pause is not None and i % 256 == 0:
            pause()
    return parsed


BIRTHDATE_PRECISION = {3: "0", 2: "1", 1: "2"}       # CCNS: full date, month and year, year only


def _follow_birthdate(f: Field, parsed: dict[str, Any], report: Report, where: tuple) -> None:
    """A code that states how much of a birth date is known (CCNS) follows what was typed there: filled in
    when empty, an error when it says otherwise."""
    born = parsed.get(f.follows or "")
    if born is None:
        return
    known = 1 + (born.month is not None) + (born.day is not None)
    expected = BIRTHDATE_PRECISION[known]
    if parsed.get(f.name) is None:
        parsed[f.name] = expected
    elif parsed[f.name] != expected:
        report.add(*where, f, "field.follows_birthdate", value=parsed[f.name], expected=expected, date=str(born))


# ---------------------------------------------------------------- rules

@dataclass
class RuleContext:
    draft: Draft
    period: Period | None
    catalog: Catalog
    report: Report
    rows: dict[str, list[Row]]                       # raw rows by form code
    parsed: dict[str, list[dict[str, Any]]]          # parsed rows by form code
    form: Form | None = None                         # set for form rules

    def field_of(self, form_code: str, name: str) -> Field:
        f = self.catalog.form(form_code).field(name)
        if f is None:
            raise CatalogError("catalog.invalid", path=form_code, reason=f"rule names unknown field {name}")
        return f


Rule = Callable[[RuleContext, Mapping[str, Any]], None]


def _table_fields(ctx: RuleContext, form_code: str, table: str | None) -> tuple[Field, ...]:
    """The fields of a form's rows, or of one of its nested lists (a part of 01B-HSB)."""
    if not table:
        return ctx.catalog.form(form_code).fields
    f = ctx.field_of(form_code, table)
    if f.type is not FieldType.TABLE:
        raise CatalogError("catalog.invalid", path=form_code, reason=f"rule names {table}, which is not a table")
    return f.fields


def _named(fields: tuple[Field, ...], name: str, where: str) -> Field:
    for f in fields:
        if f.name == name:
            return f
    raise CatalogError("catalog.invalid", path=where, reason=f"rule names unknown field {name}")


def _items(ctx: RuleContext, form_code: str, table: str | None):
    """(row number, path prefix, raw item, parsed item, the row's raw values) for each row of the form, or for
    each item of its nested list ``table`` (reported as "OmDau[2].ma_benh" on the row that holds it)."""
    raws, parsed = ctx.rows.get(form_code, []), ctx.parsed.get(form_code, [])
    if not table:                                  # the tuples made in C: a rule runs over every row
        yield from zip(count(1), repeat(""), raws, parsed, raws)
        return
    for i, (raw, values) in enumerate(zip(raws, parsed, strict=False), start=1):
        sub_raw = raw.get(table) if isinstance(raw.get(table), list) else []
        sub_parsed = values.get(table) if isinstance(values.get(table), list) else []
        for j, (item, item_parsed) in enumerate(zip(sub_raw, sub_parsed, strict=False), start=1):
            if isinstance(item, Mapping) and isinstance(item_parsed, dict):
                yield i, f"{table}[{j}].", item, item_parsed, raw


def _rule_order(ctx: RuleContext, p: Mapping[str, Any], code: str) -> None:
    assert ctx.form is not None
    a, b = str(p["from"]), str(p["to"])
    table = p.get("table")
    fb = _named(_table_fields(ctx, ctx.form.code, table), b, ctx.form.code)
    items = ((i, "", None, row, None) for i, row in enumerate(ctx.parsed.get(ctx.form.code, []), start=1)
             if row.get(b) is not None) if not table else _items(ctx, ctx.form.code, table)
    for i, prefix, _raw, row, _parent in items:
        start, end = row.get(a), row.get(b)
        if start is not None and end is not None and end < start:
            show = dmy if code == "rule.date_order" else str
            ctx.report.add(ctx.form.code, i, prefix + b, fb, code, from_=show(start), to=show(end))


def rule_period_order(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    _rule_order(ctx, p, "rule.period_order")


def rule_date_order(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    _rule_order(ctx, p, "rule.date_order")


def rule_salary_range(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A salary at least the floor of the row's zone for its month; above a ceiling it stays valid.

    The floor is the zone's regional minimum (before 1/7/2022, 7% more for a trained worker when the
    catalog names a ``trained`` field and the row says so). A coefficient salary belongs to the state pay
    scale, where the regional minimum does not apply. The ceilings only stop each fund's basis
    (``forms.contributions``): the portal asks only for a salary above 0, so a salary above 20 × mức tham
    chiếu is a warning that says what will be counted, never an error. The zone may be written "01".."04"
    (maVungLTT) or "1".."4".
    """
    assert ctx.form is not None
    code = ctx.form.code
    f = ctx.field_of(code, str(p["salary"]))
    trained_field = str(p.get("trained") or "")
    period_field, zone_field = str(p["period"]), str(p["zone"])
    floors: dict[tuple, tuple] = {}       # the same month, zone and training down a list: looked up once
    monthly: dict[_date, tuple] = {}

    def floor_of(zone_raw: object, on: _date, trained: bool) -> tuple:
        key = (zone_raw, on, trained)
        if key not in floors:
            zone = rates.zone_key(zone_raw)
            floors[key] = (zone, rates.salary_floor(zone, on, trained=trained) if zone else None)
        return floors[key]

    for i, row in enumerate(ctx.parsed[code], start=1):
        salary: Salary | None = row.get(f.name)
        month: Period | None = row.get(period_field) or ctx.period
        if salary is None or month is None:
            continue
        on = month.first_day
        if on not in monthly:
            monthly[on] = (rates.base_salary(on), rates.salary_ceiling(on))
        base, ceiling = monthly[on]
        if base is None:
            ctx.report.add(code, i, f.name, f, "rule.no_rate_for_period", period=str(month))
            continue
        if not salary.is_coefficient:
            trained = bool(trained_field) and str(row.get(trained_field) or "").strip() in ("1", "true", "True")
            zone, floor = floor_of(row.get(zone_field), on, trained)
            if zone and floor is None:
                ctx.report.add(code, i, f.name, f, "rule.no_rate_for_period", period=str(month))
                continue
            if floor is not None and salary.amount is not None and salary.amount < floor.amount:
                plain = rates.regional_minimum(zone, on)
                why = "rule.salary_below_minimum" if plain is None or floor.amount == plain.amount \
                    else "rule.salary_below_trained_minimum"
                ctx.report.add(code, i, f.name, f, why, amount=vnd(salary.amount), zone=zone,
                               minimum=vnd(floor.amount), source=floor.source, since=dmy(floor.since))
                continue
        amount = salary.amount if salary.amount is not None else int(salary.coefficient * base.amount)
        if ceiling is not None and amount > ceiling.amount:
            ctx.report.add(code, i, f.name, f, "rule.salary_above_ceiling", Severity.WARNING, amount=vnd(amount),
                           ceiling=vnd(ceiling.amount), source=ceiling.source)


def rule_coefficient_allowances(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    assert ctx.form is not None
    code = ctx.form.code
    names = [str(n) for n in p["fields"]]
    for i, row in enumerate(ctx.parsed[code], start=1):
        salary: Salary | None = row.get(str(p["salary"]))
        if salary is None or salary.is_coefficient:
            continue
        for name in names:
            if row.get(name) is not None:
                ctx.report.add(code, i, name, ctx.field_of(code, name), "rule.allowance_needs_coefficient")


def rule_unique(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    assert ctx.form is not None
    code = ctx.form.code
    f = ctx.field_of(code, str(p["field"]))
    first: dict[Any, int] = {}
    for i, row in enumerate(ctx.parsed[code], start=1):
        value = row.get(f.name)
        if value is None:
            continue
        if value in first:
            ctx.report.add(code, i, f.name, f, "rule.duplicate", value=value, first=first[value])
        else:
            first[value] = i


def rule_late_needs_papers(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """Report once, on the first late row, when changes are declared late and no papers list is filled."""
    form, name, papers = str(p["form"]), str(p["field"]), str(p["papers"])
    if ctx.period is None or ctx.rows.get(papers):
        return
    threshold = int(p.get("months", 1))
    late = [(i, row[name].months_until(ctx.period))
            for i, row in enumerate(ctx.parsed.get(form, []), start=1)
            if row.get(name) is not None and row[name].months_until(ctx.period) >= threshold]
    if late:
        first_row = late[0][0]
        ctx.report.add(form, first_row, name, ctx.field_of(form, name), "rule.late_needs_papers",
                       months=max(m for _, m in late), count=len(late), period=str(ctx.period), papers=papers)


def _norm(value: Any) -> str:
    text = str(value) if value is not None else ""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def rule_new_without_id_needs_declaration(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    form, decl = str(p["form"]), str(p["declaration"])
    code_field, id_field = str(p["code_field"]), str(p["id_field"])
    codes = {str(c) for c in p["codes"]}
    pairs = [list(map(str, m)) for m in p["match"]]
    people = ctx.parsed.get(decl, [])
    for i, row in enumerate(ctx.parsed.get(form, []), start=1):
        raw = ctx.rows[form][i - 1]
        if str(raw.get(code_field, "")).strip() not in codes or not fieldtypes.is_empty(raw.get(id_field)):
            continue
        matched = False
        for spec in pairs:
            ours, theirs = spec[0::2], spec[1::2]
            mine = [_norm(row.get(k)) for k in ours]
            if not all(mine):
                continue
            if any([_norm(person.get(k)) for k in theirs] == mine for person in people):
                matched = True
                break
        if not matched:
            ctx.report.add(form, i, id_field, ctx.field_of(form, id_field), "rule.new_needs_declaration",
                           declaration=decl)


def rule_days_within(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A number of days off cannot exceed the calendar days from the first to the last day."""
    assert ctx.form is not None
    code = ctx.form.code
    table = p.get("table")
    f = _named(_table_fields(ctx, code, table), str(p["days"]), code)
    for i, prefix, _raw, row, _parent in _items(ctx, code, table):
        start, end, days = row.get(str(p["from"])), row.get(str(p["to"])), row.get(f.name)
        if start is not None and end is not None and days is not None and end >= start:
            span = (end - start).days + 1
            if days > span:
                ctx.report.add(code, i, prefix + f.name, f, "rule.days_exceed", days=days, span=span)


def rule_required_when(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A field becomes required when every one of several other fields holds one of the listed values (with no
    condition, the procedure always requires it: the same form serves several procedures)."""
    form = str(p["form"])
    f = ctx.field_of(form, str(p["field"]))
    when = {str(k): {str(v) for v in values} for k, values in dict(p["when"]).items()}
    condition = ", ".join(f"{k} = {'/'.join(sorted(v))}" for k, v in when.items()) or ctx.draft.procedure
    for i, raw in enumerate(ctx.rows.get(form, []), start=1):
        if all(str(raw.get(k, "")).strip() in values for k, values in when.items()) \
                and fieldtypes.is_empty(raw.get(f.name)):
            ctx.report.add(form, i, f.name, f, "rule.required_when", condition=condition)


def rule_exactly_one(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """In each row's nested list, exactly one item holds ``value`` in ``field`` (the one who receives the money)."""
    assert ctx.form is not None
    code, table, name, value = ctx.form.code, str(p["table"]), str(p["field"]), str(p["value"])
    f = ctx.field_of(code, table)
    for i, raw in enumerate(ctx.rows.get(code, []), start=1):
        items = raw.get(table) if isinstance(raw.get(table), list) else []
        count = sum(1 for item in items if isinstance(item, dict) and str(item.get(name, "")).strip() == value)
        if items and count != 1:
            ctx.report.add(code, i, table, f, "rule.exactly_one", count=count)


def rule_before_period(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A back payment (truy đóng) covers months before the declared period, never the period itself or later."""
    form, name = str(p["form"]), str(p["field"])
    if ctx.period is None:
        return
    f = ctx.field_of(form, name)
    for i, row in enumerate(ctx.parsed.get(form, []), start=1):
        month = row.get(name)
        if month is not None and month >= ctx.period:
            ctx.report.add(form, i, name, f, "rule.before_period", month=str(month), period=str(ctx.period))


def rule_code_needs(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """What each code of a code field brings, from its code-list entry: ``needs`` (fields it requires),
    ``needs_one_of`` (groups of which one must be filled: a person by either number), ``needs_without_paper``
    (fields required when the row's ``paper`` field says no paper documents go with the dossier: 01B-HSB
    column D), ``retired`` (a code of an earlier law, kept so that nothing is lost, to be chosen again), and a
    note on the first row that uses a code known only from client software (``confirmed`` false). With
    ``table``, the code field is in a nested list (a part of 01B-HSB) and ``paper`` in the row holding it."""
    assert ctx.form is not None
    code = ctx.form.code
    table = p.get("table")
    fields = _table_fields(ctx, code, table)
    f = _named(fields, str(p["field"]), code)
    message = str(p.get("message", "rule.code_needs"))
    message_one_of = str(p.get("message_one_of", "rule.code_needs_one_of"))
    message_unconfirmed = str(p.get("message_unconfirmed", "rule.code_unconfirmed"))
    paper = str(p.get("paper") or "")
    paper_field = ctx.field_of(code, paper) if paper else None
    codes = code_list(f.codes or "")
    noted: set[str] = set()
    for i, prefix, raw, parsed, parent in _items(ctx, code, table):
        value = str(raw.get(f.name) or "").strip()
        entry = codes.entries.get(value)
        if entry is None:
            continue
        label = entry.label_vi, entry.label_en or entry.label_vi
        if entry.attrs.get("retired"):
            ctx.report.add(code, i, prefix + f.name, f, "rule.code_retired", value=value, label=label[0],
                           article=str(entry.attrs.get("article", "")))
            continue
        required = list(entry.attrs.get("needs", ()))
        if paper_field is not None:
            has_paper = str(parent.get(paper) or "").strip() or row_default(paper_field, parent) or ""
            if has_paper == "0":
                required += list(entry.attrs.get("needs_without_paper", ()))
        for name in required:
            if parsed.get(name) is None and fieldtypes.is_empty(raw.get(name)):
                ctx.report.add(code, i, prefix + name, _named(fields, name, code), message, value=value,
                               label=label[0])
        for group in entry.attrs.get("needs_one_of", ()):
            if all(fieldtypes.is_empty(raw.get(name)) for name in group):
                first, other = (_named(fields, n, code) for n in group[:2])
                ctx.report.add(code, i, prefix + first.name, first, message_one_of, value=value,
                               label=label[0], other=other.label_vi)
        if entry.attrs.get("confirmed") is False and value not in noted:
            noted.add(value)
            ctx.report.add(code, i, prefix + f.name, f, message_unconfirmed, Severity.WARNING, value=value,
                           label=label[0], source=str(entry.attrs.get("source", "")))


def rule_one_of(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """One of two fields at least (the deceased by either number)."""
    assert ctx.form is not None
    code = ctx.form.code
    table = p.get("table")
    fields = _table_fields(ctx, code, table)
    first, other = (_named(fields, str(n), code) for n in list(p["fields"])[:2])
    for i, prefix, raw, _parsed, _parent in _items(ctx, code, table):
        if fieldtypes.is_empty(raw.get(first.name)) and fieldtypes.is_empty(raw.get(other.name)):
            ctx.report.add(code, i, prefix + first.name, first, "rule.one_of", other=other.label_vi)


def rule_field_in(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """The procedure files one of these values (the request a 14-HSB makes for this procedure)."""
    form, values = str(p["form"]), [str(v) for v in p["values"]]
    f = ctx.field_of(form, str(p["field"]))
    codes = code_list(f.codes) if f.codes else None
    shown = ", ".join(f"{v} ({codes.entries[v].label_vi})" if codes and v in codes.entries else v for v in values)
    for i, raw in enumerate(ctx.rows.get(form, []), start=1):
        value = str(raw.get(f.name) or "").strip()
        if value and value not in values:
            ctx.report.add(form, i, f.name, f, "rule.field_in", value=value, values=shown,
                           procedure=ctx.draft.procedure)


def rule_one_time_grounds(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """Whether the person can have the one-time payout ground they claim (Luật BHXH 41/2024 Art. 70(1)); the
    ground's entry says which check applies (``check``) and names the article. Checked on the request's date
    (``on``, today when empty):

    - ``pension_age``: the pension age of the person's birth cohort (``forms.pension_age``, NĐ 135/2020) is
      reached, with fewer than 15 years paid;
    - ``twelve_months``: first insured before 1/7/2025, 12 months since contributions stopped, fewer than 20
      years paid;
    - ``capacity``: a loss of working capacity of 81% or more, or a particularly severe disability (its paper is
      the procedure's ``code_needs_attachment``).
    Settling abroad, a listed illness and the armed forces need only their facts (the entry's ``needs``)."""
    from bhxh_desk.forms.pension_age import pension_age, reached_on

    assert ctx.form is not None
    code = ctx.form.code
    f = ctx.field_of(code, str(p["field"]))
    codes = code_list(f.codes or "")
    for i, raw in enumerate(ctx.rows.get(code, []), start=1):
        row = ctx.parsed[code][i - 1]
        entry = codes.entries.get(str(raw.get(f.name) or "").strip())
        if entry is None or entry.attrs.get("retired"):
            continue
        check = entry.attrs.get("check")
        on = row.get(str(p["on"])) or _date.today()
        years, months = row.get(str(p["years"])), row.get(str(p["months"])) or 0
        paid = None if years is None else years * 12 + months
        about = {"ground": entry.label_vi, "article": str(entry.attrs.get("article", ""))}

        def refuse(name: str, why: str, _i: int = i, _about: dict = about, **params: object) -> None:
            ctx.report.add(code, _i, name, ctx.field_of(code, name), why, **_about, **params)

        if check == "pension_age":
            born, gender = row.get(str(p["born"])), row.get(str(p["gender"]))
            if born is not None and gender is not None:
                age = pension_age(gender, born.year, born.month or 1)
                reached = reached_on(_date(born.year, born.month or 1, born.day or 1), age)
                if on < reached:
                    refuse(str(p["born"]), "rule.ground_pension_age", age=age.text(), reached=dmy(reached),
                           on=dmy(on), source=age.source)
            if paid is not None and paid >= 15 * 12:
                refuse(str(p["years"]), "rule.ground_years", limit=15)
        elif check == "twelve_months":
            first, stopped = row.get(str(p["first_insured"])), row.get(str(p["stopped"]))
            if first is not None and first >= LAW_41_IN_FORCE:
                refuse(str(p["first_insured"]), "rule.ground_first_insured_after", first=dmy(first),
                       since=dmy(LAW_41_IN_FORCE))
            if stopped is not None:
                after = _add_months(stopped, 12)
                if on < after:
                    refuse(str(p["stopped"]), "rule.ground_twelve_months", stopped=dmy(stopped), after=dmy(after),
                           on=dmy(on))
            if paid is not None and paid >= 20 * 12:
                refuse(str(p["years"]), "rule.ground_years", limit=20)
        elif check == "capacity":
            rate, severe = row.get(str(p["capacity"])), row.get(str(p["disability"]))
            if not ((rate is not None and rate >= 81) or severe == "1"):
                refuse(str(p["capacity"]), "rule.ground_capacity")


LAW_41_IN_FORCE = _date(2025, 7, 1)   # Luật BHXH 41/2024/QH15 in force: the 12-months ground is for those before


def _add_months(d: _date, n: int) -> _date:
    import calendar

    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return _date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def rule_code_needs_attachment(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A code whose entry names ``attachments`` (kinds of loai_giay_to, any one of them) needs an attachment of
    such a kind in the dossier: the kind is checked, not only that some file is there."""
    from bhxh_desk.forms.attachments import KIND_LIST, kinds_of

    form = str(p["form"])
    f = ctx.field_of(form, str(p["field"]))
    codes, kinds = code_list(f.codes or ""), code_list(KIND_LIST)
    have = kinds_of(ctx.draft.attachments)
    for i, raw in enumerate(ctx.rows.get(form, []), start=1):
        entry = codes.entries.get(str(raw.get(f.name) or "").strip())
        wanted = [str(k) for k in (entry.attrs.get("attachments", ()) if entry else ())]
        if wanted and not have & set(wanted):
            ctx.report.add(form, i, f.name, f, "rule.ground_needs_attachment", ground=entry.label_vi,
                           article=str(entry.attrs.get("article", "")),
                           kinds=" hoặc ".join(kinds.entries[k].label_vi if k in kinds.entries else k for k in wanted))


def rule_agent_needs_authorisation(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """An agent that files for a person carries the person's authorisation (13-HSB) and its signed scan (an
    attachment of one of ``kinds``), and the authorisation names that agent (its tax code)."""
    from bhxh_desk.forms.attachments import KIND_LIST, kinds_of

    agent = ctx.draft.agent
    if agent is None:
        return
    form = str(p["form"])
    kinds = [str(k) for k in p.get("kinds", ())]
    if not ctx.rows.get(form):
        ctx.report.add(form, None, None, None, "rule.agent_needs_form", form=form, agent=agent.name or agent.code)
    if kinds and not kinds_of(ctx.draft.attachments) & set(kinds):
        labels = code_list(KIND_LIST)
        ctx.report.add("attachments", None, "kind", ("Tệp đính kèm", "Attachment"), "rule.agent_needs_attachment",
                       kinds=" hoặc ".join(labels.entries[k].label_vi if k in labels.entries else k for k in kinds),
                       agent=agent.name or agent.code)
    name = str(p.get("tax_code") or "")
    if name:
        f = ctx.field_of(form, name)
        for i, row in enumerate(ctx.parsed.get(form, []), start=1):
            if row.get(name) != (agent.tax_code or None):
                ctx.report.add(form, i, name, f, "rule.agent_tax_code", value=row.get(name) or "",
                               agent=agent.tax_code)


def rule_parts_allowed(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """A form in parts (01B-HSB) is one record; the procedure carries only ``parts`` of it, at least one item,
    and in a part listed in ``kinds`` only those kinds (630b adjusts maternity cases only)."""
    form = str(p["form"])
    parts = [str(x) for x in p["parts"]]
    kinds = {str(k): {str(v) for v in vs} for k, vs in dict(p.get("kinds", {})).items()}
    rows = ctx.rows.get(form, [])
    for i, raw in enumerate(rows, start=1):
        if i > 1:
            ctx.report.add(form, i, None, None, "rule.parts_one_record", form=form)
            continue
        tables = [f for f in ctx.catalog.form(form).fields if f.type is FieldType.TABLE]
        if not any(isinstance(raw.get(t.name), list) and raw.get(t.name) for t in tables if t.name in parts):
            ctx.report.add(form, i, None, None, "rule.parts_empty", parts=", ".join(parts),
                           procedure=ctx.draft.procedure)
        for t in tables:
            items = raw.get(t.name) if isinstance(raw.get(t.name), list) else []
            if items and t.name not in parts:
                ctx.report.add(form, i, t.name, t, "rule.part_not_allowed", part=t.name, parts=", ".join(parts),
                               procedure=ctx.draft.procedure)
            allowed = kinds.get(t.name)
            for j, item in enumerate(items, start=1):
                kind = str(item.get("loai") or "").strip() if isinstance(item, Mapping) else ""
                if allowed is not None and kind and kind not in allowed:
                    ctx.report.add(form, i, f"{t.name}[{j}].loai", _named(t.fields, "loai", form),
                                   "rule.part_kind_not_allowed", value=kind, values=", ".join(sorted(allowed)),
                                   procedure=ctx.draft.procedure)


def rule_personal_id_kind(ctx: RuleContext, p: Mapping[str, Any]) -> None:
    """The personal ID says what it is: a 9-digit CMND has been void since 1/1/2025 (a warning, since old
    records carry it); letters mean a passport, so a foreign worker, whose nationality the TK1-TS gives."""
    assert ctx.form is not None
    code = ctx.form.code
    f = ctx.field_of(code, str(p["field"]))
    declaration, decl_id, nationality = str(p["declaration"]), str(p["declaration_id"]), str(p["nationality"])
    declared = {str(person.get(decl_id)): person.get(nationality) for person in ctx.parsed.get(declaration, [])
                if person.get(decl_id) is not None}
    for i, row in enumerate(ctx.parsed[code], start=1):
        value = row.get(f.name)
        if value is None:
            continue
        if fieldtypes.is_cmnd(value):
            ctx.report.add(code, i, f.name, f, "rule.cmnd_void", Severity.WARNING, value=value)
        elif fieldtypes.is_passport(value) and not declared.get(value):
            ctx.report.add(code, i, f.name, f, "rule.passport_needs_declaration", Severity.WARNING, value=value,
                           declaration=declaration)


RULES: dict[str, Rule] = {
    "code_needs": rule_code_needs,
    "one_of": rule_one_of,
    "field_in": rule_field_in,
    "one_time_grounds": rule_one_time_grounds,
    "code_needs_attachment": rule_code_needs_attachment,
    "agent_needs_authorisation": rule_agent_needs_authorisation,
    "parts_allowed": rule_parts_allowed,
    "personal_id_kind": rule_personal_id_kind,
    "before_period": rule_before_period,
    "days_within": rule_days_within,
    "exactly_one": rule_exactly_one,
    "required_when": rule_required_when,
    "period_order": rule_period_order,
    "date_order": rule_date_order,
    "salary_range": rule_salary_range,
    "coefficient_allowances": rule_coefficient_allowances,
    "unique": rule_unique,
    "late_needs_papers": rule_late_needs_papers,
    "new_without_id_needs_declaration": rule_new_without_id_needs_declaration,
}


def _run(spec: RuleSpec, ctx: RuleContext) -> None:
    rule = RULES.get(spec.id)
    if rule is None:
        raise CatalogError("catalog.invalid", path="rules", reason=f"unknown rule {spec.id}")
    rule(ctx, spec.params)


# ---------------------------------------------------------------- the dossier

@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of validation: the issues, and each form's rows as parsed values (None where empty or
    invalid). The XML builder writes from the parsed values, so nothing is parsed twice."""

    issues: list[Issue]
    parsed: dict[str, list[dict[str, Any]]]
    unit: Unit                  # the unit block as parsed: trimmed, NFC, phone normalised

    @property
    def errors(self) -> list[Issue]:
        return errors_of(self.issues)


def check(draft: Draft, catalog: Catalog | None = None, *, pause: Callable[[], None] | None = None) -> Checked:
    """``pause`` is called every 256 rows: a background caller passes one that yields the interpreter, so a
    window validating 10,000 rows in a worker thread keeps answering the keyboard."""
    catalog = catalog or load_catalog()
    report = Report()
    procedure = catalog.procedure(draft.procedure)
    unit_values = check_fields(UNIT_FORM, None, catalog.filer_fields(procedure), _unit_row(draft), report)
    unit = Unit(**{k: str(v) for k, v in unit_values.items() if v is not None})
    period: Period | None = None
    if draft.period or procedure is None or procedure.filer != "person":
        try:
            period = fieldtypes.parse(Field("period", "Kỳ kê khai", "Period", FieldType.PERIOD), draft.period)
        except FieldError:
            report.add(DOSSIER, None, "period", ("Kỳ kê khai", "Period"), "dossier.period")
    if procedure is None:
        report.add(DOSSIER, None, "procedure", ("Thủ tục", "Procedure"), "dossier.unknown_procedure",
                   procedure=draft.procedure)
        return Checked(report.issues, {}, unit)
    from bhxh_desk.forms.attachments import problems

    if draft.agent is not None:
        check_fields("agent", None, catalog.agent_fields, {k: v for k, v in asdict(draft.agent).items() if v}, report)

    for index, code, params in problems(draft.attachments):
        report.add("attachments", index, "name", ("Tệp đính kèm", "Attachment"), code, **params)
    allowed = set(procedure.form_codes())
    for code in draft.forms:
        if code not in allowed:
            report.add(code, None, None, None, "dossier.form_not_allowed", form=code, procedure=procedure.code)
    for use in procedure.forms:
        if use.required and not draft.rows(use.form):
            report.add(use.form, None, None, None, "dossier.form_required", form=use.form)
    ctx = RuleContext(draft=draft, period=period, catalog=catalog, report=report, rows={}, parsed={})
    for form in catalog.forms_of(procedure):
        rows = draft.rows(form.code)
        ctx.rows[form.code] = rows
        ctx.parsed[form.code] = check_rows(form.code, form.fields, rows, report, pause)
    for form in catalog.forms_of(procedure):
        ctx.form = form
        for spec in form.rules:
            _run(spec, ctx)
    ctx.form = None
    for spec in procedure.rules:
        _run(spec, ctx)
    return Checked(report.issues, ctx.parsed, unit)


def validate(draft: Draft, catalog: Catalog | None = None, *, pause: Callable[[], None] | None = None) -> list[Issue]:
    return check(draft, catalog, pause=pause).issues


def _unit_row(draft: Draft) -> dict[str, str]:
    return {k: v for k, v in asdict(draft.unit).items() if v}


def errors_of(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity is Severity.ERROR]
