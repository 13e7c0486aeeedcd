"""Loads the procedure and form catalog from ``resources/catalog``.

Layout::

    resources/catalog/procedures/<code>.toml   one procedure: its forms and dossier-level rules
    resources/catalog/forms/<code>.toml        one form: XML layout, fields, row rules
    resources/catalog/codes/<name>.json        one code list (provinces, communes, genders...)
    resources/catalog/unit.toml                the unit (employer) block of a draft

Everything is parsed once per process and cached; code lists load only when a field needs them, so
``bhxh-desk procedures`` reads a handful of small TOML files and nothing else.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bhxh_desk.forms.errors import CatalogError
from bhxh_desk.forms.model import (
    CodeEntry,
    CodeList,
    Condition,
    DefaultCase,
    Field,
    FieldType,
    Form,
    FormUse,
    Procedure,
    RuleSpec,
)
from bhxh_desk.forms.resources import resource

_FIELD_KEYS = {
    "name", "label_vi", "label_en", "type", "required", "required_if", "codes", "parent", "max_len",
    "min", "max", "pattern", "multiline", "retired", "default", "default_when", "follows", "help_vi",
    "help_en", "aliases",
    "row_element", "fields",
}


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=str(exc)) from exc


def _field(data: Mapping[str, Any], where: str) -> Field:
    unknown = set(data) - _FIELD_KEYS
    if unknown:
        raise CatalogError("catalog.invalid", path=where, reason=f"unknown keys {sorted(unknown)}")
    try:
        ftype = FieldType(data["type"])
        cond = None
        if "required_if" in data:
            ri = data["required_if"]
            cond = Condition(field=ri["field"], values=tuple(ri["in"]))
        children = tuple(_field(c, f"{where}/{data['name']}") for c in data.get("fields", ()))
        f = Field(
            name=data["name"],
            label_vi=data["label_vi"],
            label_en=data.get("label_en", ""),
            type=ftype,
            required=bool(data.get("required", False)),
            required_if=cond,
            codes=data.get("codes"),
            parent=data.get("parent"),
            max_len=data.get("max_len"),
            min_value=data.get("min"),
            max_value=data.get("max"),
            pattern=data.get("pattern"),
            multiline=bool(data.get("multiline", False)),
            retired=bool(data.get("retired", False)),
            default=data.get("default"),
            default_when=tuple(DefaultCase(value=str(c["value"]), filled=c.get("filled"), field=c.get("field"),
                                           values=tuple(map(str, c.get("in", ()))), has=c.get("has"))
                               for c in data.get("default_when", ())),
            follows=data.get("follows"),
            help_vi=data.get("help_vi", ""),
            help_en=data.get("help_en", ""),
            aliases=tuple(map(str, data.get("aliases", ()))),
            row_element=data.get("row_element"),
            fields=children,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogError("catalog.invalid", path=where, reason=repr(exc)) from exc
    if ftype is FieldType.CODE and not f.codes:
        raise CatalogError("catalog.invalid", path=where, reason=f"{f.name}: code field without codes")
    if ftype is FieldType.TABLE and not f.row_element:
        raise CatalogError("catalog.invalid", path=where, reason=f"{f.name}: table without row_element")
    return f


def _rules(items: list[dict[str, Any]]) -> tuple[RuleSpec, ...]:
    return tuple(RuleSpec(id=r["id"], params={k: v for k, v in r.items() if k != "id"}) for r in items)


def _form(path: Path) -> Form:
    d = _load_toml(path)
    try:
        return Form(
            code=d["code"],
            name_vi=d["name_vi"],
            name_en=d.get("name_en", ""),
            decision=d.get("decision", ""),
            kind=d["kind"],
            root=d.get("root", d["code"]),
            rows_path=tuple(d["rows_path"].split("/")) if d.get("rows_path") else (),
            row_element=d["row_element"],
            header=tuple(_field(h, path.name) for h in d.get("header", ())),
            fields=tuple(_field(f, path.name) for f in d["fields"]),
            rules=_rules(d.get("rules", [])),
            paper_name=d.get("paper_name", ""),
            unconfirmed=bool(d.get("unconfirmed", False)),
            signature_element=d.get("signature_element", "Cky"),
            register=bool(d.get("register", False)),
            contributions=dict(d.get("contributions", {})),
            register_rules=dict(d.get("register_rules", {})),
            decision_unconfirmed=d.get("decision_unconfirmed", ""),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc


def _procedure(path: Path) -> Procedure:
    d = _load_toml(path)
    try:
        return Procedure(
            code=d["code"],
            name_vi=d["name_vi"],
            name_en=d.get("name_en", ""),
            decision=d.get("decision", ""),
            filer=d.get("filer", "unit"),
            forms=tuple(
                FormUse(form=u["form"], required=bool(u.get("required", False)),
                        description_vi=u.get("description_vi", ""))
                for u in d["forms"]
            ),
            rules=_rules(d.get("rules", [])),
            unconfirmed=bool(d.get("unconfirmed", False)),
            iso_process=d.get("iso_process", ""),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc


@dataclass(frozen=True)
class Catalog:
    procedures: dict[str, Procedure]
    forms: dict[str, Form]
    unit_fields: tuple[Field, ...]
    person_fields: tuple[Field, ...]
    agent_fields: tuple[Field, ...]

    def filer_fields(self, procedure: Procedure | None) -> tuple[Field, ...]:
        """The fields of a draft's "unit" block: an employer's, or the person's for individual procedures."""
        return self.person_fields if procedure is not None and procedure.filer == "person" else self.unit_fields

    def procedure(self, code: str) -> Procedure | None:
        return self.procedures.get(code)

    def form(self, code: str) -> Form:
        try:
            return self.forms[code]
        except KeyError:
            raise CatalogError("catalog.unknown_form", form=code) from None

    def forms_of(self, procedure: Procedure) -> list[Form]:
        return [self.form(code) for code in procedure.form_codes()]


@cache
def load_catalog() -> Catalog:
    root = resource("catalog")
    forms = {f.code: f for f in map(_form, sorted((root / "forms").glob("*.toml")))}
    procedures = {p.code: p for p in map(_procedure, sorted((root / "procedures").glob("*.toml")))}
    for proc in procedures.values():
        for use in proc.forms:
            if use.form not in forms:
                raise CatalogError("catalog.unknown_form", form=use.form)
    unit_fields = tuple(_field(f, "unit.toml") for f in _load_toml(root / "unit.toml")["fields"])
    person_fields = tuple(_field(f, "person.toml") for f in _load_toml(root / "person.toml")["fields"])
    agent_fields = tuple(_field(f, "agent.toml") for f in _load_toml(root / "agent.toml")["fields"])
    return Catalog(procedures=procedures, forms=forms, unit_fields=unit_fields, person_fields=person_fields,
                   agent_fields=agent_fields)


def row_default(f: Field, row: Mapping[str, Any], fields: tuple[Field, ...] | None = None) -> str | None:
    """The value an empty ``f`` takes in this row: the first of its ``default_when`` cases that holds, else its
    plain ``default``. The validator and the XML use it, and the editor shows it, so the clerk sees what
    will be filed."""
    for case in f.default_when:
        if case.filled is not None:
            if str(row.get(case.filled) or "").strip():
                return case.value
            continue
        value = str(row.get(case.field or "") or "").strip()
        if not value:
            continue
        if case.values and value in case.values:
            return case.value
        if case.has and fields is not None:
            source = next((x for x in fields if x.name == case.field and x.codes), None)
            entry = code_list(source.codes).entries.get(value) if source is not None and source.codes else None
            if entry is not None and entry.attrs.get(case.has):
                return case.value
    return f.default if f.default is not None and "{" not in f.default else None


@cache
def code_list(name: str) -> CodeList:
    path = resource("catalog", "codes", f"{name}.json")
    try:
        with path.open(encoding="utf-8") as fh:
            d = json.load(fh)
        entries = {}
        for e in d["entries"]:
            attrs = {k: v for k, v in e.items() if k not in ("code", "vi", "en", "parent")}
            entries[e["code"]] = CodeEntry(
                code=e["code"], label_vi=e["vi"], label_en=e.get("en", ""), parent=e.get("parent"), attrs=attrs
            )
        return CodeList(
            name=d["name"], title_vi=d["title_vi"], title_en=d.get("title_en", ""), source=d.get("source", ""),
            entries=entries, complete=bool(d.get("complete", True)), code_pattern=d.get("code_pattern"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=repr(exc)) from exc
