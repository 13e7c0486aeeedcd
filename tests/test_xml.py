"""Building, schema-checking and reading back the dossier XML (forms.xmlbuild, forms.xmlread)."""

from __future__ import annotations

import base64
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bhxh_desk.forms import fieldtypes
from bhxh_desk.forms.catalog import load_catalog, row_default
from bhxh_desk.forms.draft import Draft, draft_from_dict
from bhxh_desk.forms.errors import SchemaError, XmlError
from bhxh_desk.forms.model import FieldType
from bhxh_desk.forms.resources import resource
from bhxh_desk.forms.schemas import check, form_layouts
from bhxh_desk.forms.validate import BIRTHDATE_PRECISION
from bhxh_desk.forms.xmlbuild import InvalidDossier, build_form_files, build_unsigned
from bhxh_desk.forms.xmlread import draft_from_envelope, read_envelope
from bhxh_desk.forms.xmlsafe import parse_xml
from bhxh_desk.forms.xsdgen import form_index, form_xsd
from tests.conftest import example_dict, minimal_dict


def canonical(draft: Draft) -> dict:
    """The draft as the XML should give it back: canonical text, empty values dropped, STT dropped."""
    catalog = load_catalog()

    def rows(fields, row):
        out = {}
        for f in fields:
            raw = row.get(f.name)
            if fieldtypes.is_empty(raw) and (f.default is not None or f.default_when):
                raw = row_default(f, row, fields)            # the file carries the default the clerk saw
            if fieldtypes.is_empty(raw) and f.follows and not fieldtypes.is_empty(row.get(f.follows)):
                born = fieldtypes.parse(next(x for x in fields if x.name == f.follows), row[f.follows])
                raw = BIRTHDATE_PRECISION[1 + (born.month is not None) + (born.day is not None)]
            if f.type is FieldType.SEQ or fieldtypes.is_empty(raw):
                continue
            if f.type is FieldType.GROUP:
                out[f.name] = rows(f.fields, raw)
            elif f.type is FieldType.TABLE:
                if raw:
                    out[f.name] = [rows(f.fields, r) for r in raw]
            else:
                out[f.name] = fieldtypes.to_xml(f, fieldtypes.parse(f, raw))
        return out

    forms = {code: [rows(catalog.form(code).fields, r) for r in rs] for code, rs in draft.forms.items() if rs}
    from bhxh_desk.forms.validate import check

    return {"procedure": draft.procedure, "period": draft.period, "unit": check(draft).unit, "forms": forms}


def test_envelope_layout_and_counts(example):
    data = build_unsigned(example, created=date(2026, 3, 20))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(data)
    assert [c.tag for c in root] == ["NoiDung", "CKy_Dvi"]
    assert len(root.find("CKy_Dvi")) == 0
    info = root.find("NoiDung/ThongTinHoSo")
    assert info.findtext("MaThuTuc") == "600"
    assert info.findtext("KyKeKhai") == "03/2026"
    assert info.findtext("NgayLap") == "20/03/2026"
    files = info.findall("ToKhais/FileToKhai")
    assert info.findtext("SoLuongFile") == str(len(files)) == "4"          # three forms and one attachment
    assert [ft.findtext("LoaiFile") for ft in files] == ["xml", "xml", "xml", "pdf"]
    assert files[3].findtext("MaToKhai") == "CT-DK" and files[3].findtext("TenFile") == "quyet-dinh-nghi-viec.pdf"
    for ft in files[:3]:
        text = ft.findtext("NoiDungFile")
        assert ft.findtext("DoDaiFile") == str(len(text))
        form = etree.fromstring(base64.b64decode(text))
        assert form.tag == ft.findtext("MaToKhai")
        assert form[-1].tag == "Cky" and len(form[-1]) == 0


def test_every_built_file_passes_its_xsd(example):
    for f in build_form_files(example):
        check(etree.fromstring(f.content), f.code, f.name)
    check(etree.fromstring(build_unsigned(example)), "BHXHDienTu", "BHXHDienTu.xml")


def test_round_trip(example):
    back = draft_from_envelope(build_unsigned(example))
    assert canonical(back) == canonical(example)
    assert back.forms["D02-TS"][0]["tienLuong"] == "8500000"
    assert back.forms["D02-TS"][2]["Masobhxh"] == "0123456789"     # leading zero kept


def test_special_characters_and_nfc_survive():
    d = minimal_dict()
    nasty = 'Công ty "A & B" <Sài Gòn> \'Ltd\''
    d["unit"]["name"] = unicodedata.normalize("NFD", nasty)
    d["forms"]["D02-TS"][0]["Hoten"] = unicodedata.normalize("NFD", "Phạm Quốc Huy")
    draft = draft_from_dict(d)
    data = build_unsigned(draft)
    back = draft_from_envelope(data)
    assert back.unit.name == unicodedata.normalize("NFC", nasty)
    assert back.forms["D02-TS"][0]["Hoten"] == "Phạm Quốc Huy"
    assert unicodedata.normalize("NFD", "Phạm").encode() not in data


def test_invalid_draft_is_not_built():
    d = minimal_dict()
    d["forms"]["D02-TS"][0]["Masobhxh"] = "123"
    with pytest.raises(InvalidDossier) as info:
        build_unsigned(draft_from_dict(d))
    assert [i.code for i in info.value.issues] == ["field.bhxh_id"]
    assert "1" in info.value.message("vi")


def test_committed_xsds_match_the_catalog():
    for form in load_catalog().forms.values():
        assert resource("schemas", f"{form.code}.xsd").read_bytes() == form_xsd(form), (
            f"{form.code}.xsd is stale: run 'bhxh-desk schemas write'"
        )
    assert resource("schemas", "forms.json").read_bytes() == form_index(load_catalog()), (
        "forms.json is stale: run 'bhxh-desk schemas write'")
    layouts = form_layouts()
    today = {f.code: (f.root, f.row_element, f.signature_element) for f in load_catalog().forms.values()}
    assert {c: (lay.root, lay.row_element, lay.signature_element) for c, lay in layouts.items() if c in today} == today
    # Forms release 0.1.0 had and today's catalog does not (DN-CN and M14-HSB are now 14-HSB) keep the layout that
    # release listed (schemas/previous/forms@0.1.0.json), so a file it built is still signed where it was built.
    assert {c: (lay.root, lay.row_element) for c, lay in layouts.items() if c not in today} == {
        "DN-CN": ("DN-CN", "DonDeNghi"), "M14-HSB": ("M14-HSB", "DonDeNghi")}


def _form_tree(example, code):
    f = next(f for f in build_form_files(example) if f.code == code)
    return etree.fromstring(f.content)


@pytest.mark.parametrize(
    ("xpath", "value"),
    [(".//NguoiLaoDong/Masobhxh", "123456789"), (".//NguoiLaoDong/tuThang", "13/2026"),
     (".//NguoiLaoDong/pa", "ZZ"), (".//NguoiLaoDong/Ngaysinh", "1995-04-15")],
)
def test_xsd_independently_refuses_bad_values(example, xpath, value):
    tree = _form_tree(example, "D02-TS")
    tree.find(xpath).text = value
    with pytest.raises(SchemaError) as info:
        check(tree, "D02-TS", "D02-TS.xml")
    assert "D02-TS.xsd" in info.value.message("en")


def test_xsd_refuses_missing_or_reordered_elements(example):
    tree = _form_tree(example, "D02-TS")
    row = tree.find(".//NguoiLaoDong")
    row.remove(row.find("Hoten"))
    with pytest.raises(SchemaError):
        check(tree, "D02-TS", "D02-TS.xml")


def test_envelope_counts_are_checked_on_read(example):
    data = build_unsigned(example)
    tampered = data.replace(b"<SoLuongFile>4</SoLuongFile>", b"<SoLuongFile>3</SoLuongFile>")
    with pytest.raises(XmlError):
        read_envelope(tampered)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Hoso [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Hoso><NoiDung>&xxe;</NoiDung></Hoso>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS, b"<a><?php x ?></a>"])
def test_unsafe_xml_is_refused(payload):
    with pytest.raises(XmlError) as info:
        parse_xml(payload)
    assert info.value.code == "xml.forbidden"
    assert "passwd" not in info.value.message("en")


def test_xxe_hidden_after_padding_is_still_refused():
    payload = b"<?xml version='1.0'?>" + b" " * 5000 + XXE.split(b"?>", 1)[1]
    with pytest.raises(XmlError) as info:
        parse_xml(payload)
    assert info.value.code in {"xml.forbidden", "xml.malformed"}


def test_malformed_and_oversized_xml():
    with pytest.raises(XmlError) as info:
        parse_xml(b"<a><b></a>")
    assert info.value.code == "xml.malformed"
    with pytest.raises(XmlError) as info:
        parse_xml(b"<a/>", max_bytes=2)
    assert info.value.code == "xml.too_large"


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
                min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, names, st.integers(5_310_000, 46_800_000), st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_round_trip_property(unit_name, person, salary, bhxh_id):
    d = minimal_dict()
    d["unit"]["name"] = unit_name
    d["forms"]["D02-TS"][0].update(Hoten=person, tienLuong=str(salary), Masobhxh=bhxh_id)
    draft = draft_from_dict(d)
    try:
        data = build_unsigned(draft)
    except InvalidDossier as exc:        # e.g. a name past its length limit: refused, never crashed
        assert all(i.code.startswith("field.") for i in exc.issues)
        return
    assert canonical(draft_from_envelope(data)) == canonical(draft)


def c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n", exclusive=True, with_comments=False)


def test_files_are_written_in_canonical_form(example):
    """The signer digests the file bytes directly; that is only right if they are already C14N."""
    from bhxh_desk.forms.canonical import canonical_body

    for f in build_form_files(example):
        assert canonical_body(f.content) == c14n(f.content)
    envelope = build_unsigned(example)
    assert canonical_body(envelope) == c14n(envelope)


def test_attachments_are_checked_and_never_dropped():
    import base64 as b64

    from bhxh_desk.forms.validate import validate

    d = example_dict()
    d["attachments"] = [
        {"name": "scan.exe", "description": "", "content_base64": b64.b64encode(b"MZ...").decode()},
        {"name": "fake.pdf", "description": "", "content_base64": b64.b64encode(b"not a pdf").decode()},
        {"name": "ok.png", "description": "", "content_base64": b64.b64encode(b"\x89PNG\r\n\x1a\nxx").decode()},
    ]
    issues = validate(draft_from_dict(d))
    assert [(i.form, i.row, i.code) for i in issues] == [("attachments", 1, "attachment.type"),
                                                        ("attachments", 2, "attachment.content")]
    with pytest.raises(InvalidDossier):
        build_unsigned(draft_from_dict(d))
    d["attachments"] = d["attachments"][2:]
    names = [f.name for f in read_envelope(build_unsigned(draft_from_dict(d))).files]
    assert names[-1] == "ok.png"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cn"),
                                      exclude_characters="\x00"), min_size=1, max_size=30))
def test_canonical_form_holds_for_any_accepted_text(text):
    from bhxh_desk.forms.canonical import canonical_body

    d = minimal_dict()
    d["unit"]["name"] = text
    d["forms"]["D02-TS"][0]["ghiChu"] = text
    try:
        files = build_form_files(draft_from_dict(d))
    except InvalidDossier:
        return
    for f in files:
        assert canonical_body(f.content) == c14n(f.content)


def test_schema_errors_deep_in_a_long_list_are_found(monkeypatch):
    from bhxh_desk.forms import schemas
    from bhxh_desk.forms.schemas import check_bytes

    d = minimal_dict()
    base = d["forms"]["D02-TS"][0]
    d["forms"]["D02-TS"] = [dict(base, Masobhxh=f"{i:010d}") for i in range(3000)]
    f = build_form_files(draft_from_dict(d))[0]
    bad = f.content.replace(b"<Masobhxh>0000002999</Masobhxh>", b"<Masobhxh>299</Masobhxh>")
    assert bad != f.content
    for limit in (10**9, 1000):            # whole-tree and streaming validation
        monkeypatch.setattr(schemas, "TREE_LIMIT", limit)
        check_bytes(f.content, "D02-TS", f.name, row_tag="NguoiLaoDong")
        with pytest.raises(SchemaError):
            check_bytes(bad, "D02-TS", f.name, row_tag="NguoiLaoDong")


def test_the_column_writer_writes_what_the_row_writer_writes_and_hashes_it(example):
    """forms.xmlbuild writes a list of plain fields from one row template, column by column; the bytes must be
    those of writing each row field by field (_write_fields), and the digest the SHA-256 of the body."""
    import hashlib

    from bench.data import d02_rows
    from bhxh_desk.forms import xmlbuild
    from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body
    from bhxh_desk.forms.validate import check as validate_check

    catalog = load_catalog()
    rows = d02_rows(2100, seed=3)               # two chunks of 1,000 and a part one
    for r in rows[:3]:                         # text C14N must escape
        r["ghiChu"] = 'a & b < c > d "e"'
    draft = Draft(procedure=example.procedure, period=example.period, unit=example.unit,
                  forms={**example.forms, "D02-TS": rows}, agent=example.agent)
    checked = validate_check(draft, catalog)
    assert not checked.errors
    form = catalog.form("D02-TS")
    parsed = checked.parsed["D02-TS"]
    by_row = []
    for seq, row in enumerate(parsed, start=1):
        out = [f"<{form.row_element}>"]
        xmlbuild._write_fields(out, form.fields, row, seq)
        out.append(f"</{form.row_element}>")
        by_row.append("".join(out))
    written = xmlbuild.write_form_hashed(form, list(parsed), draft)
    assert "".join(by_row).encode() in written.data and written.data.startswith(XML_DECLARATION)
    assert written.digest == hashlib.sha256(canonical_body(written.data)).digest()
    assert b"a &amp; b &lt; c &gt; d \"e\"" in written.data


def _d02_draft(example, rows):
    return Draft(procedure=example.procedure, period=example.period, unit=example.unit,
                 forms={**example.forms, "D02-TS": rows}, agent=example.agent)


@pytest.mark.parametrize("tree_limit", [10**9, 100_000])
def test_the_check_beside_the_writing_refuses_what_the_whole_check_refuses(example, monkeypatch, tree_limit):
    """check_later checks the form in a second thread: as one tree once written, or (a form above
    schemas.TREE_LIMIT) each slice of rows as its own small file while the form is written
    (xmlbuild._PartsCheck). A value only the XSD refuses, deep in the third slice, fails the check with the
    very error the check of the whole file gives (its line and message); a good form is remembered as
    checked, a bad one is not."""
    from bench.data import d02_rows
    from bhxh_desk.forms import schemas, xmlbuild
    from bhxh_desk.forms.checkmemo import CheckMemo
    from bhxh_desk.forms.validate import check as validate_check

    made = []

    class Seen(xmlbuild._PartsCheck):
        def __init__(self, *args):
            made.append(self)
            super().__init__(*args)

    monkeypatch.setattr(schemas, "TREE_LIMIT", tree_limit)
    monkeypatch.setattr(xmlbuild, "_PartsCheck", Seen)
    catalog = load_catalog()
    form = catalog.form("D02-TS")
    rows = d02_rows(9500, seed=5)
    draft = _d02_draft(example, rows)
    checked = validate_check(draft, catalog)
    assert not checked.errors
    parsed = checked.parsed["D02-TS"]

    memo = CheckMemo()
    good = xmlbuild.write_form_hashed(form, list(parsed), draft, memo, check_later=True)
    assert good.check is not None and good.check.result() is None
    assert memo.known(form.code, good.digest)

    bad_rows = list(parsed)
    bad_rows[2345] = dict(bad_rows[2345], Hoten="x" * 5000)     # past the field's maxLength: the XSD's to refuse
    with pytest.raises(SchemaError) as whole:
        xmlbuild.write_form_hashed(form, list(bad_rows), draft, CheckMemo())
    memo = CheckMemo()
    later = xmlbuild.write_form_hashed(form, list(bad_rows), draft, memo, check_later=True)
    with pytest.raises(SchemaError) as beside:
        later.check.result()
    assert (beside.value.code, beside.value.params) == (whole.value.code, whole.value.params)
    assert "maxLength" in beside.value.params["reason"]
    assert not memo.known(form.code, later.digest)
    assert len(made) == (2 if tree_limit < len(good.data) else 0)

    empty = xmlbuild.write_form_hashed(form, [], draft, CheckMemo(), check_later=True)   # head and tail alone
    assert empty.check.result() is None


@pytest.mark.parametrize(("change", "apart"), [
    (lambda xsd: xsd, True),
    (lambda xsd: xsd.replace('maxOccurs="unbounded"', 'maxOccurs="500"', 1), False),
    (lambda xsd: xsd.replace('minOccurs="0" maxOccurs="unbounded"', 'minOccurs="2" maxOccurs="unbounded"', 1), False),
    (lambda xsd: xsd.replace("</xs:element>\n</xs:schema>",
                             '<xs:unique name="u"><xs:selector xpath=".//NguoiLaoDong"/><xs:field xpath="Masobhxh"/>'
                             "</xs:unique></xs:element>\n</xs:schema>"), False),
])
def test_only_a_schema_whose_rows_stand_alone_is_checked_a_slice_at_a_time(change, apart):
    """A schema that bounds the rows' count or ties rows together (an identity constraint) is checked whole."""
    from bhxh_desk.forms.schemas import rows_apart, rows_apart_in

    xsd = resource("schemas", "D02-TS.xsd").read_text(encoding="utf-8")
    changed = change(xsd)
    assert (changed == xsd) is apart
    assert rows_apart_in(etree.ElementTree(etree.fromstring(changed.encode())), "NguoiLaoDong") is apart
    catalog = load_catalog()
    assert all(rows_apart(f.code, f.row_element) for f in catalog.forms.values())


def test_a_writing_that_fails_stops_the_check_beside_it(example, monkeypatch):
    """The check thread of a large form never waits for slices that will not come."""
    from bhxh_desk.forms import schemas, xmlbuild

    made = []

    class Seen(xmlbuild._PartsCheck):
        def __init__(self, *args):
            made.append(self)
            super().__init__(*args)

    def failing(form, rows, first_seq):
        if first_seq > 3000:
            raise MemoryError
        return real(form, rows, first_seq)

    real = xmlbuild._flat_rows
    monkeypatch.setattr(schemas, "TREE_LIMIT", 1000)
    monkeypatch.setattr(xmlbuild, "_PartsCheck", Seen)
    monkeypatch.setattr(xmlbuild, "_flat_rows", failing)
    from bench.data import d02_rows
    from bhxh_desk.forms.validate import check as validate_check

    catalog = load_catalog()
    draft = _d02_draft(example, d02_rows(6000, seed=2))
    parsed = validate_check(draft, catalog).parsed["D02-TS"]
    with pytest.raises(MemoryError):
        xmlbuild.write_form_hashed(catalog.form("D02-TS"), parsed, draft, check_later=True)
    assert len(made) == 1
    made[0]._check._thread.join(timeout=10)
    assert not made[0]._check._thread.is_alive()
