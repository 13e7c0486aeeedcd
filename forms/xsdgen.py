"""Generating the form XSDs from the catalog (``bhxh-desk schemas write``), and the index of form layouts
that signing reads instead of the catalog.

The XSDs are committed, so that they can be read and reviewed as files and used by the sandbox gateway; a
test fails when a committed file no longer matches the catalog. They check what the Python validator
checks in a second, independent way: element order and presence, and each value's lexical form.
"""

from __future__ import annotations

import json

from lxml import etree

from bhxh_desk.forms.catalog import Catalog, code_list
from bhxh_desk.forms.model import Field, FieldType, Form

XS = "http://www.w3.org/2001/XMLSchema"
MAX_ENUM = 300

_PATTERNS = {
    FieldType.DATE: r"(0[1-9]|[12][0-9]|3[01])/(0[1-9]|1[0-2])/[0-9]{4}",
    FieldType.BIRTHDATE: r"((0[1-9]|[12][0-9]|3[01])/)?((0[1-9]|1[0-2])/)?[0-9]{4}",
    FieldType.PERIOD: r"(0[1-9]|1[0-2])/[0-9]{4}",
    FieldType.BHXH_ID: r"[0-9]{10}",
    FieldType.PERSONAL_ID: r"[0-9]{9}|[0-9]{12}|[A-Z0-9]*[A-Z][A-Z0-9]*",     # a passport: letters and digits
    FieldType.TAX_CODE: r"[0-9]{10}(-[0-9]{3})?",
    FieldType.PHONE: r"0[0-9]{9,10}",
    FieldType.EMAIL: r"[^@\s]+@[^@\s]+\.[^@\s]+",
    FieldType.MONEY: r"[0-9]+",
    FieldType.SALARY: r"[0-9]+(\.[0-9]+)?",
    FieldType.RATE: r"[0-9]{1,3}(\.[0-9]+)?",
    FieldType.INT: r"[0-9]+",
    FieldType.SEQ: r"[1-9][0-9]*",
}


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", attrs)


def _simple(parent: etree._Element, f: Field) -> None:
    el = _el(parent, "element", name=f.name)
    st = _el(el, "simpleType")
    r = _el(st, "restriction", base="xs:string")
    if f.retired:
        _el(r, "maxLength", value="0")
        return
    optional = not f.required and f.type is not FieldType.SEQ
    if f.type is FieldType.CODE:
        codes = code_list(f.codes or "")
        if codes.complete and len(codes.entries) <= MAX_ENUM:
            if optional:
                _el(r, "enumeration", value="")
            for code in codes.entries:
                _el(r, "enumeration", value=code)
            return
        pattern = codes.code_pattern or "[0-9A-Za-z]{1,20}"
        pattern = pattern.removeprefix("^").removesuffix("$")
    elif f.type is FieldType.TEXT:
        _el(r, "maxLength", value=str(f.max_len or 1000))
        if not f.required and not f.pattern:
            return
        pattern = f.pattern or ".*"
        if f.required and not f.pattern:
            _el(r, "minLength", value="1")
            return
    else:
        pattern = _PATTERNS[f.type]
    _el(r, "pattern", value=f"({pattern})?" if optional else f"({pattern})")


def _sequence_of(parent: etree._Element, fields: tuple[Field, ...]) -> None:
    seq = _el(_el(parent, "complexType"), "sequence")
    for f in fields:
        if f.type is FieldType.GROUP:
            el = _el(seq, "element", name=f.name, minOccurs="0")
            _sequence_of(el, f.fields)
        elif f.type is FieldType.TABLE:
            el = _el(seq, "element", name=f.name)
            inner = _el(_el(el, "complexType"), "sequence")
            row = _el(inner, "element", name=f.row_element or "", minOccurs="0", maxOccurs="unbounded")
            _sequence_of(row, f.fields)
        else:
            _simple(seq, f)


def form_xsd(form: Form) -> bytes:
    """The XSD of one form file: rows_path down to the rows, header first, then ``Cky``."""
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS}, elementFormDefault="qualified")
    schema.append(etree.Comment(
        f" {form.code}: generated from resources/catalog/forms/{form.code}.toml by: bhxh-desk schemas write "
    ))
    root = _el(schema, "element", name=form.root)
    root_seq = _el(_el(root, "complexType"), "sequence")
    seq = root_seq
    last = len(form.rows_path) - 1
    for i, name in enumerate(form.rows_path):
        if i == last:
            for h in form.header:   # the header goes just before the row container
                _simple(seq, h)
        seq = _el(_el(_el(seq, "element", name=name), "complexType"), "sequence")
    row = _el(seq, "element", name=form.row_element, minOccurs="0", maxOccurs="unbounded")
    _sequence_of(row, form.fields)
    cky = _el(root_seq, "element", name=form.signature_element)
    _el(_el(_el(cky, "complexType"), "sequence"), "any", namespace="##other", processContents="skip",
        minOccurs="0", maxOccurs="unbounded")
    return etree.tostring(schema, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def form_index(catalog: Catalog) -> bytes:
    """``forms.json``: for each form, the XML facts signing needs (root, rows, signature slot), so that
    ``bhxh-desk sign`` reads one small file instead of loading the whole catalog."""
    index = {f.code: {"root": f.root, "row_element": f.row_element, "signature_element": f.signature_element}
             for f in sorted(catalog.forms.values(), key=lambda f: f.code)}
    return (json.dumps(index, indent=1, sort_keys=True) + "\n").encode()
