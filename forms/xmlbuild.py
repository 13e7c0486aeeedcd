"""Builds the form files and the ``Hoso`` envelope (BHXHDienTu.xml) from a validated draft.

Each form is its own XML file (root = form code, rows under ``rows_path``, an empty ``Cky`` signature slot
last). The envelope carries each form file as base64 in ``FileToKhai/NoiDungFile`` with ``DoDaiFile`` the
length of that base64 text, and ends with the unit's empty ``CKy_Dvi`` slot. Signing (``signing.xmldsig``)
fills the slots: forms first, then the envelope, which is why the two steps are separate functions.

Every file is checked against its XSD before it leaves this module. Elements are written for every field,
empty when there is no value, so that the layout is fixed and readers need not guess.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from forms import fieldtypes, schemas
from forms.catalog import Catalog, load_catalog
from forms.display import dmy
from forms.draft import Draft, Row
from forms.errors import CatalogError, XmlError
from forms.model import Field, FieldType, Form, Procedure
from forms.validate import Issue, errors_of, validate

ENVELOPE_NAME = "BHXHDienTu.xml"
ENVELOPE_SIGNATURE = "CKy_Dvi"
UNIT_SUBJECT = "1"       # LoaiDoiTuong for an employer unit (bhxh-desk decision; unconfirmed)
IVAN_CODE = ""           # bhxh-desk is not a licensed I-VAN and claims no I-VAN code
IVAN_NAME = "bhxh-desk"


class InvalidDossier(XmlError):
    """The draft still has validation errors; ``issues`` lists them."""

    default_code = "xml.invalid_dossier"

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("xml.invalid_dossier", count=len(issues))


@dataclass(frozen=True, slots=True)
class FormFile:
    """One file carried in the envelope: a form (signed or not) or an attachment."""

    code: str               # MaToKhai
    description: str        # MoTaToKhai
    name: str               # TenFile
    content: bytes

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def serialize(root: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root, encoding="utf-8")


def _text(f: Field, raw: Any) -> str:
    if fieldtypes.is_empty(raw):
        return ""
    return fieldtypes.to_xml(f, fieldtypes.parse(f, raw))


def _write_fields(parent: etree._Element, fields: tuple[Field, ...], row: Row, seq: int) -> None:
    sub = etree.SubElement
    for f in fields:
        raw = row.get(f.name)
        if f.type is FieldType.SEQ:
            sub(parent, f.name).text = str(seq)
        elif f.type is FieldType.GROUP:
            if isinstance(raw, dict):
                _write_fields(sub(parent, f.name), f.fields, raw, 1)
        elif f.type is FieldType.TABLE:
            table = sub(parent, f.name)
            for i, item in enumerate(raw or [], start=1):
                _write_fields(sub(table, f.row_element or ""), f.fields, item, i)
        else:
            el = sub(parent, f.name)
            text = _text(f, raw)
            if text:
                el.text = text


def _context(draft: Draft) -> dict[str, Any]:
    return {"period": draft.period, "unit": draft.unit, "procedure": draft.procedure}


def build_form(form: Form, rows: list[Row], draft: Draft) -> bytes:
    """One form file, checked against its XSD. The rows must already have passed validation."""
    root = etree.Element(form.root)
    node = root
    last = len(form.rows_path) - 1
    ctx = _context(draft)
    for i, name in enumerate(form.rows_path):
        if i == last:
            for h in form.header:
                etree.SubElement(node, h.name).text = (h.default or "").format(**ctx)
        node = etree.SubElement(node, name)
    for seq, row in enumerate(rows, start=1):
        _write_fields(etree.SubElement(node, form.row_element), form.fields, row, seq)
    etree.SubElement(root, form.signature_element)
    schemas.check(root, form.code, f"{form.code}.xml")
    return serialize(root)


def _procedure(draft: Draft, catalog: Catalog) -> Procedure:
    procedure = catalog.procedure(draft.procedure)
    if procedure is None:
        raise CatalogError("catalog.unknown_procedure", procedure=draft.procedure)
    return procedure


def build_form_files(draft: Draft, catalog: Catalog | None = None) -> list[FormFile]:
    """Validate the draft, then build one unsigned file per form that has rows."""
    catalog = catalog or load_catalog()
    errors = errors_of(validate(draft, catalog))
    if errors:
        raise InvalidDossier(errors)
    files = []
    for form in catalog.forms_of(_procedure(draft, catalog)):
        rows = draft.rows(form.code)
        if rows:
            files.append(FormFile(code=form.code, description=form.name_vi, name=f"{form.code}.xml",
                                  content=build_form(form, rows, draft)))
    return files


def envelope_tree(draft: Draft, files: list[FormFile], *, created: date | None = None,
                  catalog: Catalog | None = None) -> etree._Element:
    catalog = catalog or load_catalog()
    procedure = _procedure(draft, catalog)
    u = draft.unit
    root = etree.Element("Hoso")
    content = etree.SubElement(root, "NoiDung")

    def block(parent: etree._Element, tag: str, values: list[tuple[str, str]]) -> etree._Element:
        el = etree.SubElement(parent, tag)
        for name, value in values:
            etree.SubElement(el, name).text = value or None
        return el

    block(content, "ThongTinIVAN", [("MaIVAN", IVAN_CODE), ("TenIVAN", IVAN_NAME)])
    block(content, "ThongTinDonVi", [
        ("TenDoiTuong", u.name), ("MaSoBHXH", u.code), ("LoaiDoiTuong", UNIT_SUBJECT),
        ("MaSoThue", u.tax_code), ("NguoiKy", u.signer), ("DienThoai", u.phone), ("CoQuanQuanLy", u.agency_code),
    ])
    info = block(content, "ThongTinHoSo", [
        ("TenThuTuc", procedure.name_vi), ("MaThuTuc", procedure.code), ("KyKeKhai", draft.period),
        ("NgayLap", dmy(created or date.today())), ("SoLuongFile", str(len(files))),
        ("QuyTrinhISO", procedure.iso_process),
    ])
    forms_el = etree.SubElement(info, "ToKhais")
    for f in files:
        encoded = base64.b64encode(f.content).decode("ascii")
        block(forms_el, "FileToKhai", [
            ("MaToKhai", f.code), ("MoTaToKhai", f.description), ("TenFile", f.name),
            ("LoaiFile", f.extension), ("DoDaiFile", str(len(encoded))), ("NoiDungFile", encoded),
        ])
    etree.SubElement(root, ENVELOPE_SIGNATURE)
    schemas.check(root, schemas.ENVELOPE_SCHEMA, ENVELOPE_NAME)
    return root


def build_envelope(draft: Draft, files: list[FormFile], *, created: date | None = None,
                   catalog: Catalog | None = None) -> bytes:
    return serialize(envelope_tree(draft, files, created=created, catalog=catalog))


def build_unsigned(draft: Draft, *, created: date | None = None, catalog: Catalog | None = None) -> bytes:
    """The whole unsigned BHXHDienTu.xml: validated, every file schema-checked, signature slots empty."""
    catalog = catalog or load_catalog()
    return build_envelope(draft, build_form_files(draft, catalog), created=created, catalog=catalog)
