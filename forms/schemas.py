"""Checking files against the XSDs in ``resources/schemas``, and the form layouts listed beside them.

The form XSDs and ``forms.json`` are generated from the catalog by ``forms.xsdgen``; the envelope XSD
(``BHXHDienTu.xsd``) is written by hand. This module imports neither the catalog nor the field types,
so that signing starts quickly.
"""

from __future__ import annotations

import io
import json
import threading
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from bhxh_desk.forms.errors import CatalogError, SchemaError
from bhxh_desk.forms.resources import resource

if TYPE_CHECKING:     # lxml loads when something is parsed: signing a checked file never parses
    from lxml import etree

ENVELOPE_SCHEMA = "BHXHDienTu"


class FormLayout(NamedTuple):
    """Where a form's rows and signature sit (a NamedTuple: see "Records on the signing path" in
    docs/architecture.md)."""

    code: str
    root: str
    row_element: str
    signature_element: str


@cache
def form_layouts() -> dict[str, FormLayout]:
    """Every form's XML layout, from ``forms.json``; then, for forms an earlier release had and today's catalog
    no longer has (DN-CN and M14-HSB became 14-HSB), their layout as that release listed it
    (``previous/forms@<release>.json``), so a file it built is still signed and checked as it was built."""
    paths = [resource("schemas", "forms.json")]
    folder = resource("schemas", "previous")
    if folder.is_dir():
        paths += sorted(folder.glob("forms@*.json"), key=lambda p: p.stem, reverse=True)
    layouts: dict[str, FormLayout] = {}
    for path in paths:
        try:
            index = json.loads(path.read_text(encoding="utf-8"))
            for code, facts in index.items():
                layouts.setdefault(code, FormLayout(code=code, **facts))
        except (OSError, ValueError, TypeError) as exc:
            raise CatalogError("catalog.invalid", path=path.name, reason=str(exc)[:200]) from exc
    return layouts


_SCHEMA_LOCK = threading.Lock()


def _schema(name: str) -> etree.XMLSchema:
    """One compiled schema per name. Compiling is serialised: libxml2 sets up its built-in types on first
    use without a lock, and two threads compiling at once (the envelope's check runs in a second thread
    while a form's is compiled) can fail with "the given type is not a built-in type"."""
    with _SCHEMA_LOCK:
        return _compile(name)


@cache
def _compile(name: str) -> etree.XMLSchema:
    from lxml import etree

    path = resource("schemas", f"{name}.xsd")
    try:
        return etree.XMLSchema(_schema_doc(name))
    except etree.XMLSchemaParseError as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=str(exc)[:200]) from exc


@cache
def _schema_doc(name: str) -> etree._ElementTree:
    from lxml import etree

    path = resource("schemas", f"{name}.xsd")
    try:
        return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as exc:
        raise CatalogError("catalog.invalid", path=path.name, reason=str(exc)[:200]) from exc


_XS = "{http://www.w3.org/2001/XMLSchema}"


def rows_apart(schema_name: str, row_tag: str) -> bool:
    """Whether a file of this schema is valid exactly when the file made of its head, each slice of its rows
    and its tail is: so it is when ``row_tag`` is declared once, as ``minOccurs="0" maxOccurs="unbounded"``,
    and the schema has no identity constraint (``unique``, ``key``, ``keyref``) that could tie one row to
    another. The forms' generated XSDs are so (``forms.xsdgen``); a schema that is not is checked whole."""
    with _SCHEMA_LOCK:        # the compiled schema's document is read under the same lock (see _schema)
        return _rows_apart(schema_name, row_tag)


@cache
def _rows_apart(schema_name: str, row_tag: str) -> bool:
    return rows_apart_in(_schema_doc(schema_name), row_tag)


def rows_apart_in(doc: etree._ElementTree, row_tag: str) -> bool:
    """``rows_apart`` of a parsed XSD."""
    if any(True for _ in doc.iter(f"{_XS}unique", f"{_XS}key", f"{_XS}keyref")):
        return False
    elements = list(doc.iter(f"{_XS}element"))
    declared = [el for el in elements if el.get("name") == row_tag]
    if len(declared) != 1 or any(el.get("ref") for el in elements):
        return False
    row, around = declared[0], declared[0].getparent()
    # alone in a sequence that itself repeats neither more nor less than once
    return (row.get("minOccurs") == "0" and row.get("maxOccurs") == "unbounded" and around.tag == f"{_XS}sequence"
            and around.get("minOccurs") is None and around.get("maxOccurs") is None and len(around) == 1)


TREE_LIMIT = 24 * 1024 * 1024


def earlier_versions(schema_name: str) -> list[str]:
    """The kept schemas of earlier releases of a form (``previous/<code>@<release>.xsd``), newest first. A
    file built and signed before a catalog change is checked against the schema it was built with: it is
    sent exactly as it is, never rewritten."""
    folder = resource("schemas", "previous")
    found = sorted(folder.glob(f"{schema_name}@*.xsd"), key=lambda p: p.stem, reverse=True) if folder.is_dir() else []
    return [f"previous/{p.stem}" for p in found]


def check_bytes(data: bytes, schema_name: str, file_name: str, *, row_tag: str | None = None,
                earlier: bool = False) -> str:
    """Validate a serialized file; returns the name of the schema it matched. With ``earlier``, a file that
    fails today's schema may match one of its earlier versions instead (files made by an earlier release:
    signed, queued, received); new files are built against today's only. A form today's catalog no longer has
    is checked against its earlier versions alone."""
    retired = earlier and not resource("schemas", f"{schema_name}.xsd").is_file() and earlier_versions(schema_name)
    try:
        if retired:
            raise SchemaError("xml.schema", file=file_name, schema=f"{schema_name}.xsd", reason="retired form")
        _check_bytes(data, schema_name, file_name, row_tag=row_tag)
        return schema_name
    except SchemaError:
        if not earlier:
            raise
        for older in earlier_versions(schema_name):
            try:
                _check_bytes(data, older, file_name, row_tag=row_tag)
                return older
            except SchemaError:
                continue
        raise


def _check_bytes(data: bytes, schema_name: str, file_name: str, *, row_tag: str | None = None) -> None:
    """Up to ``TREE_LIMIT`` bytes the file is parsed whole (fastest); above that it is validated while
    parsing and each finished ``row_tag`` element is dropped, so memory stays flat."""
    from lxml import etree

    from bhxh_desk.forms.xmlsafe import refuse_prolog_tricks

    refuse_prolog_tricks(data)
    schema = _schema(schema_name)
    try:
        if len(data) <= TREE_LIMIT or row_tag is None:
            # huge_tree: a 100,000-row form has text beyond libxml2's default limits; entities stay off and
            # the size and DOCTYPE were refused above.
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
            doc = etree.fromstring(data, parser)
            if not schema.validate(doc):
                err = schema.error_log.last_error
                raise SchemaError("xml.schema", file=file_name, schema=f"{schema_name}.xsd",
                                  reason=(f"line {err.line}: {err.message}" if err else "?")[:300])
            return
        for _, el in etree.iterparse(io.BytesIO(data), events=("end",), tag=row_tag, schema=schema,
                                     resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True):
            el.clear(keep_tail=True)
            parent = el.getparent()
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        reason = str(exc).split(" (<string>")[0]
        raise SchemaError("xml.schema", file=file_name, schema=f"{schema_name}.xsd", reason=reason[:300]) from None


def check(doc: etree._Element, schema_name: str, file_name: str, *, earlier: bool = False) -> None:
    """Raise ``SchemaError`` naming the first violation when ``doc`` does not match the schema (or, with
    ``earlier``, any of its kept earlier versions)."""

    if earlier and not resource("schemas", f"{schema_name}.xsd").is_file() and earlier_versions(schema_name):
        if any(_schema(older).validate(doc) for older in earlier_versions(schema_name)):
            return
        raise SchemaError("xml.schema", file=file_name, schema=f"{earlier_versions(schema_name)[0]}.xsd",
                          reason="no kept schema of this retired form matches")
    schema = _schema(schema_name)
    if earlier and not schema.validate(doc) \
            and any(_schema(older).validate(doc) for older in earlier_versions(schema_name)):
        return
    if not schema.validate(doc):
        err = schema.error_log.last_error
        reason = f"line {err.line}: {err.message}" if err else "?"
        raise SchemaError("xml.schema", file=file_name, schema=f"{schema_name}.xsd", reason=reason[:300])
