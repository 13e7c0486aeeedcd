"""Reads envelopes and form files back into drafts: for round-trip checks, for the sandbox gateway, and
for opening a dossier that exists only as a BHXHDienTu.xml.

All input goes through ``forms.xmlsafe``; the layout is checked against the same XSDs the builder uses,
and the envelope's own counts (SoLuongFile, DoDaiFile) are checked against what it carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from bhxh_desk.forms import schemas
from bhxh_desk.forms.catalog import Catalog, load_catalog
from bhxh_desk.forms.draft import Agent, Draft, Row, Unit
from bhxh_desk.forms.envelope import decode_payload, length_matches
from bhxh_desk.forms.errors import XmlError
from bhxh_desk.forms.migrate import migrate
from bhxh_desk.forms.model import Field, FieldType, Form
from bhxh_desk.forms.xmlbuild import ENVELOPE_NAME, FormFile
from bhxh_desk.forms.xmlsafe import parse_xml


@dataclass(frozen=True, slots=True)
class Envelope:
    procedure: str
    period: str
    created: str
    unit: Unit
    files: list[FormFile]
    root: etree._Element
    agent: Agent | None = None


def _child_text(el: etree._Element | None, tag: str) -> str:
    if el is None:
        return ""
    node = el.find(tag)
    return (node.text or "") if node is not None else ""


def read_envelope(data: bytes) -> Envelope:
    return envelope_from_tree(parse_xml(data, allow_huge_text=True))


def envelope_from_tree(root: etree._Element) -> Envelope:
    """An envelope already parsed (verification reads the tree it verified, signature taken out), XSD-checked."""
    schemas.check(root, schemas.ENVELOPE_SCHEMA, ENVELOPE_NAME)
    unit_el = root.find("NoiDung/ThongTinDonVi")
    info = root.find("NoiDung/ThongTinHoSo")
    unit = Unit(
        code=_child_text(unit_el, "MaSoBHXH"), name=_child_text(unit_el, "TenDoiTuong"),
        tax_code=_child_text(unit_el, "MaSoThue"), agency_code=_child_text(unit_el, "CoQuanQuanLy"),
        signer=_child_text(unit_el, "NguoiKy"), phone=_child_text(unit_el, "DienThoai"),
    )
    files = []
    for ft in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        encoded = _child_text(ft, "NoiDungFile")
        name = _child_text(ft, "TenFile")
        if not length_matches(_child_text(ft, "DoDaiFile"), encoded, parsed=True):
            raise XmlError("xml.malformed", reason=f"DoDaiFile of {name} does not match its content")
        content = decode_payload(encoded, name)
        files.append(FormFile(code=_child_text(ft, "MaToKhai"), description=_child_text(ft, "MoTaToKhai"),
                              name=name, content=content))
    if str(len(files)) != _child_text(info, "SoLuongFile"):
        raise XmlError("xml.malformed", reason="SoLuongFile does not match the files carried")
    agent_el = root.find("NoiDung/ThongTinDaiLy")
    agent = None if agent_el is None else Agent(code=_child_text(agent_el, "MaDaiLy"),
                                                name=_child_text(agent_el, "TenDaiLy"),
                                                tax_code=_child_text(agent_el, "MaSoThue"))
    return Envelope(procedure=_child_text(info, "MaThuTuc"), period=_child_text(info, "KyKeKhai"),
                    created=_child_text(info, "NgayLap"), unit=unit, files=files, root=root, agent=agent)


def _read_fields(el: etree._Element, fields: tuple[Field, ...]) -> Row:
    row: dict[str, Any] = {}
    for f in fields:
        node = el.find(f.name)
        if node is None or f.type is FieldType.SEQ:
            continue
        if f.type is FieldType.GROUP:
            row[f.name] = _read_fields(node, f.fields)
        elif f.type is FieldType.TABLE:
            items = [_read_fields(item, f.fields) for item in node.iterfind(f.row_element or "")]
            if items:
                row[f.name] = items
        elif node.text:
            row[f.name] = node.text
    return row


def read_form(form: Form, data: bytes) -> list[Row]:
    root = parse_xml(data)
    if root.tag != form.root:
        raise XmlError("xml.malformed", reason=f"expected <{form.root}>, found <{root.tag}>")
    schemas.check(root, form.code, f"{form.code}.xml", earlier=True)
    container = root.find("/".join(form.rows_path)) if form.rows_path else root
    if container is None:
        return []
    return [_read_fields(el, form.fields) for el in container.iterfind(form.row_element)]


def draft_from_envelope(data: bytes, catalog: Catalog | None = None) -> Draft:
    catalog = catalog or load_catalog()
    env = read_envelope(data)
    forms: dict[str, list[Row]] = {}
    for f in env.files:
        if f.extension == "xml" and f.code in catalog.forms:
            forms[f.code] = read_form(catalog.form(f.code), f.content)
    migrations = migrate(env.procedure, forms)          # a file an earlier release built reads as today's draft
    return Draft(procedure=env.procedure, period=env.period, unit=env.unit, forms=forms, agent=env.agent,
                 migrations=migrations)
