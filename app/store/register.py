"""The employee register of each unit: a person declared once is remembered (no Qt in here).

When a dossier is signed, its D02-TS people are written to the register as declared. Typing a known mã số
BHXH or CCCD in the editor fills the rest of the row from it; and a D02-TS is checked against it: an
adjustment (DC) that changes nothing, or a new join (TM) of someone already on the register, is a warning.
Forms are data here too: the register keeps the rows of every form marked ``register = true``, and what it
fills and checks is that form's ``[register_rules]`` table; nothing here names a form or a field.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bhxh_desk.app.store.store import Store, _now
from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.draft import Draft
from bhxh_desk.forms.model import FieldType, Form
from bhxh_desk.forms.validate import Issue, Report, Severity


def _id_fields(form: Form) -> tuple[str | None, str | None]:
    bhxh = next((f.name for f in form.fields if f.type is FieldType.BHXH_ID), None)
    cccd = next((f.name for f in form.fields if f.type is FieldType.PERSONAL_ID), None)
    return bhxh, cccd


DECLARED_IN = "_declared_in"      # the stored dossier a person was last declared in, kept with the row


_UPSERT = """INSERT INTO employees (unit, ma_so_bhxh, cccd, row_json, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(unit, ma_so_bhxh, cccd) DO UPDATE SET row_json = excluded.row_json,
             updated_at = excluded.updated_at"""
_BATCH = 1000                     # people per executemany: a 100,000-row dossier is never held as one list
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def remember(store: Store, draft: Draft, draft_id: int | None = None) -> int:
    """Write the people of a dossier's list forms to the unit's register, in one transaction; returns how
    many. ``draft_id``, the stored dossier they come from, lets that dossier's own check ignore them
    (``check``)."""
    with store.transaction() as c:
        return remember_in(c, draft, draft_id)


def remember_in(c: Any, draft: Draft, draft_id: int | None = None) -> int:
    """``remember``'s writes, inside a transaction the caller holds: signing to files writes a dossier's
    people while its form is still being checked, and commits them only once the signed file is written
    (``app.actions.signing.FileSink``). The rows go in batches through ``executemany`` (one statement
    prepared, a thousand rows a call), made as they are written: after signing 100,000 rows, a list of
    every row's tuple would add its own ~100 MB to the peak. One time stamp for the whole dossier: its
    people are declared together."""
    catalog = load_catalog()
    count = 0
    now = _now()
    for code, rows in draft.forms.items():
        form = catalog.forms.get(code)
        if form is None or not form.register:
            continue
        people = _people(draft.unit.code, form, rows, draft_id, now)
        while batch := list(itertools.islice(people, _BATCH)):
            c.executemany(_UPSERT, batch)
            count += len(batch)
    return count


def _people(unit: str, form: Form, rows: Iterable[dict[str, Any]], draft_id: int | None,
            now: str) -> Iterator[tuple]:
    """The register's rows for one form, one tuple per person with an ID (the others are not kept)."""
    bhxh, cccd = _id_fields(form)
    skipped = _not_filled(form)
    encode = _ENCODER.encode
    for row in rows:
        key_b, key_c = str(row.get(bhxh) or "") if bhxh else "", str(row.get(cccd) or "") if cccd else ""
        if not key_b and not key_c:
            continue
        kept = {k: v for k, v in row.items() if k not in skipped}
        if draft_id is not None:
            kept[DECLARED_IN] = draft_id
        yield unit, key_b, key_c, encode(kept), now


def lookup(store: Store, unit: str, *, ma_so_bhxh: str = "", cccd: str = "") -> dict[str, Any] | None:
    rows: list[tuple] = []
    if ma_so_bhxh:
        rows = store.read("SELECT row_json FROM employees WHERE unit = ? AND ma_so_bhxh = ? ORDER BY updated_at DESC",
                          (unit, ma_so_bhxh))
    if not rows and cccd:
        rows = store.read("SELECT row_json FROM employees WHERE unit = ? AND cccd = ? ORDER BY updated_at DESC",
                          (unit, cccd))
    return json.loads(rows[0][0]) if rows else None


def _not_filled(form: Form) -> set[str]:
    return {str(n) for n in form.register_rules.get("not_filled", ())}


def check(store: Store, draft: Draft, draft_id: int | None = None) -> list[Issue]:
    """Warnings from the register, per its form's rules: a change that changes nothing of what it should,
    a new join of a person already declared. A person the register has from this very dossier
    (``draft_id``: it was signed) is not "already declared"."""
    report = Report()
    catalog = load_catalog()
    for code, rows in draft.forms.items():
        form = catalog.forms.get(code)
        rules = form.register_rules if form is not None and form.register else {}
        if not rules:
            continue
        bhxh, cccd = _id_fields(form)
        code_field, name_field = str(rules["code"]), str(rules["name"])
        compare = [str(n) for n in rules.get("compare", ())]
        for i, row in enumerate(rows, start=1):
            known = lookup(store, draft.unit.code, ma_so_bhxh=str(row.get(bhxh) or "") if bhxh else "",
                           cccd=str(row.get(cccd) or "") if cccd else "")
            if known is None or (draft_id is not None and known.get(DECLARED_IN) == draft_id):
                continue
            change = str(row.get(code_field) or "").strip()
            if change in rules.get("change_codes", ()) and compare and \
                    all(str(known.get(n) or "") == str(row.get(n) or "") for n in compare):
                report.add(code, i, compare[0], form.field(compare[0]), "register.no_change", Severity.WARNING,
                           salary=str(known.get(compare[0]) or "-"))
            elif change in rules.get("new_codes", ()):
                where = bhxh or cccd
                report.add(code, i, where, form.field(where), "register.already_declared", Severity.WARNING,
                           name=str(known.get(name_field) or ""))
    return report.issues


def fill(store: Store, unit: str, form: Form, row: dict[str, Any], changed: str) -> dict[str, str]:
    """The values to fill into a row after its ``changed`` ID field was typed: only fields still empty."""
    bhxh, cccd = _id_fields(form)
    if changed not in (bhxh, cccd):
        return {}
    known = lookup(store, unit, ma_so_bhxh=str(row.get(bhxh) or "") if bhxh else "",
                   cccd=str(row.get(cccd) or "") if cccd else "")
    if known is None:
        return {}
    names = {f.name for f in form.fields}          # DECLARED_IN is no field: never filled
    return {k: str(v) for k, v in known.items() if k in names and k not in _not_filled(form) and not row.get(k)}


@dataclass(frozen=True, slots=True)
class Employee:
    """A person on a unit's register, as last declared: the row's values by field name."""

    ma_so_bhxh: str
    cccd: str
    row: dict[str, Any]
    updated_at: str
    declared_in: int | None


def people(store: Store, unit: str, search: str = "") -> list[Employee]:
    """The unit's register, newest declaration first; ``search`` matches the name (accents and case
    ignored), the mã số BHXH or the CCCD."""
    import unicodedata

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        return "".join(c for c in text if not unicodedata.combining(c)).casefold()

    wanted = fold(search.strip())
    out = []
    for bhxh, cccd, row_json, updated_at in store.read(
            "SELECT ma_so_bhxh, cccd, row_json, updated_at FROM employees WHERE unit = ? ORDER BY updated_at DESC",
            (unit,)):
        row = json.loads(row_json)
        declared_in = row.pop(DECLARED_IN, None)
        if wanted and not any(wanted in fold(str(v)) for v in (bhxh, cccd, *row.values())):
            continue
        out.append(Employee(bhxh, cccd, row, updated_at, declared_in))
    return out
