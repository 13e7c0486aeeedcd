"""Each defence of docs/security.md, with a test that fails if the defence is removed."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bhxh_desk.forms.draft import loads
from bhxh_desk.forms.errors import BhxhError, DraftError, XmlError
from bhxh_desk.forms.filenames import safe_name
from bhxh_desk.forms.xmlread import read_envelope
from bhxh_desk.forms.xmlsafe import parse_xml
from bhxh_desk.signing.envelope import prepare
from bhxh_desk.signing.xmldsig import verify_file
from tests.conftest import EXAMPLE

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Hoso [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Hoso><NoiDung>&xxe;</NoiDung><CKy_Dvi/></Hoso>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Hoso [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<Hoso><NoiDung>&d;</NoiDung><CKy_Dvi/></Hoso>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE Hoso SYSTEM "http://127.0.0.1:9/evil.dtd"><Hoso/>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "external-dtd"])
@pytest.mark.parametrize("reader", [
    parse_xml, read_envelope, prepare, lambda d: verify_file(d, "CKy_Dvi"),
], ids=["parse", "envelope", "unsigned-envelope", "signature"])
def test_xxe_and_billion_laughs_are_refused_everywhere(payload, reader):
    with pytest.raises(XmlError) as info:
        reader(payload)
    assert info.value.code == "xml.forbidden"
    assert "root:" not in info.value.message("vi") and "aaaaaaaaaa" not in info.value.message("en")


def test_result_document_with_xxe_is_not_trusted(tmp_path):
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox

    with Store(tmp_path / "s.sqlite3") as store:
        filing = Filing(Outbox(store), client=None)          # no network needed to judge a document
        sub = Outbox(store).queue(b"<x/>", gateway="http://127.0.0.1:9", account="A", unit="A")
        assert filing.verify_result(sub, XXE) is False


def test_size_limits(monkeypatch):
    from bhxh_desk.forms import draft as draft_mod

    monkeypatch.setattr(draft_mod, "MAX_DRAFT_BYTES", 1000)
    with pytest.raises(DraftError) as info:
        loads(EXAMPLE.read_bytes())
    assert info.value.code == "draft.too_large"
    with pytest.raises(XmlError) as info:
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    assert info.value.code == "xml.too_large"


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "..", ".", "/abs/name.xml", "a\\..\\..\\b", "CON",
                                     "x\x00y", "con.txt", "", "  ..  "])
def test_output_names_stay_in_the_folder(tmp_path, hostile):
    name = safe_name(hostile, "dossier")
    target = (tmp_path / name).resolve()
    assert target.parent == tmp_path.resolve() and name not in ("", ".", "..")


def test_signing_many_drafts_keeps_outputs_in_the_folder(tmp_path):
    from bhxh_desk.app.cli.signing import _output_paths

    outs = _output_paths(["../../etc/evil.json", "/tmp/../x/evil.json", "ok.json"], str(tmp_path / "out"))
    assert all(p.resolve().parent == (tmp_path / "out").resolve() for p in outs)
    assert len(set(outs)) == 3


def test_private_files(tmp_path, monkeypatch):
    from bhxh_desk.app import logs
    from bhxh_desk.app.settings import Settings
    from bhxh_desk.app.store import Store

    with Store(tmp_path / "data" / "s.sqlite3"):
        pass
    log_path = logs.setup(tmp_path / "logs")
    settings = Settings(tmp_path / "config" / "settings.json")
    settings.save()
    for path in (tmp_path / "data" / "s.sqlite3", log_path, tmp_path / "config" / "settings.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (tmp_path / "data", tmp_path / "logs", tmp_path / "config"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    logging.getLogger().handlers = [h for h in logging.getLogger().handlers
                                    if getattr(h, "baseFilename", "") != str(log_path)]


def test_redacting_filter_masks_what_slips_through(tmp_path):
    from bhxh_desk.app import logs

    path = logs.setup(tmp_path / "logs")
    log = logging.getLogger("bhxh-desk.test")
    log.warning("login failed: password=hunter2 pin: 1234 otp=482913")
    for h in logging.getLogger().handlers:
        h.flush()
    text = Path(path).read_text(encoding="utf-8")
    assert "hunter2" not in text and "1234" not in text and "482913" not in text and "password=***" in text
    logging.getLogger().handlers = [h for h in logging.getLogger().handlers
                                    if getattr(h, "baseFilename", "") != str(path)]


def test_wrapped_result_document_is_refused(tmp_path, pki):
    """A result whose signed content was moved aside and replaced by a forged copy, or duplicated."""
    from bhxh_desk.app.filing import Filing
    from bhxh_desk.app.gateway.protocol import Receipt
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.outbox import Outbox
    from bhxh_desk.forms.canonical import XML_DECLARATION
    from bhxh_desk.signing.signer import KeySigner
    from bhxh_desk.signing.xmldsig import sign_file

    gateway = pki.leaf("0100000000", cn="Cổng thử nghiệm")
    body = ("<KetQua><SoHoSo>00001/2026/07906</SoHoSo><MaThuTuc>600</MaThuTuc><MaDonVi>TA1234A</MaDonVi>"
            "<TrangThai>203</TrangThai><NgayXuLy>20/03/2026</NgayXuLy><NoiDung>Từ chối</NoiDung>"
            "<DigestHoSo>{d}</DigestHoSo><Cky></Cky></KetQua>")
    with Store(tmp_path / "s.sqlite3") as store:
        outbox = Outbox(store)
        sub = outbox.queue(b"<signed/>", gateway="http://127.0.0.1:9", account="TA1234A", unit="TA1234A")
        sub = outbox.received(sub.id, Receipt("00001/2026/07906", "2026-03-20T09:00:00+07:00", 200, sub.digest,
                                              sub.idempotency_key))
        doc = sign_file(XML_DECLARATION + body.format(d=sub.digest).encode(), "Cky",
                        KeySigner(gateway.key, gateway.cert))
        assert Filing(outbox, client=None, gateway_trust=[pki.root.cert]).verify_result(sub, doc) is False
        ok = Filing(outbox, client=None, gateway_trust=[pki.root.cert, pki.intermediate.cert]).verify_result
        assert ok(sub, doc) is True
        forged = doc.replace(b"<TrangThai>203</TrangThai>", b"<TrangThai>202</TrangThai>")
        assert ok(sub, forged) is False
        duplicated = doc.replace(b"</KetQua>", b"<SoHoSo>99999/2026/07906</SoHoSo></KetQua>")
        assert ok(sub, duplicated) is False
        wrapped = doc.replace(b"<KetQua>", b"<KetQua><KetQua><SoHoSo>00001/2026/07906</SoHoSo>"
                              b"<TrangThai>202</TrangThai></KetQua>", 1)
        assert ok(sub, wrapped) is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_draft_reader(data):
    try:
        loads(data)
    except DraftError as exc:
        assert exc.message("vi")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12))
def test_fuzz_draft_shapes(value):
    try:
        loads(json.dumps({"format": "bhxh-desk/draft@1", "procedure": "600", "forms": value}))
    except DraftError as exc:
        assert exc.message("en")


@pytest.fixture(scope="module")
def envelope() -> bytes:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.xmlbuild import build_unsigned

    return build_unsigned(read_draft(EXAMPLE))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_xml_readers(envelope, data):
    """Mutate a real envelope (bytes flipped, cut, spliced): every reader answers with one of our errors."""
    pos = data.draw(st.integers(0, len(envelope) - 1))
    how = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    junk = data.draw(st.binary(min_size=1, max_size=8))
    mutated = {"flip": envelope[:pos] + junk + envelope[pos + len(junk):], "cut": envelope[:pos],
               "insert": envelope[:pos] + junk + envelope[pos:]}[how]
    for reader in (read_envelope, prepare, lambda d: verify_file(d, "CKy_Dvi")):
        try:
            reader(mutated)
        except BhxhError as exc:
            assert exc.message("vi")


cell_values = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=20), st.dates(), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell_values, min_size=8, max_size=8), max_size=5))
def test_fuzz_excel_importer(tmp_path, rows):
    from openpyxl import Workbook

    from bhxh_desk.forms.excel import ExcelError, import_sheet

    wb = Workbook()
    ws = wb.active
    ws.append(["pa", "Hoten", "Masobhxh", "Ngaysinh", "Gioitinh", "tienLuong", "tuThang", "maVungSS"])
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        for row in rows:
            ws.append(row)
    except IllegalCharacterError:          # openpyxl refuses to write it: no such file can reach us
        return
    path = tmp_path / "fuzz.xlsx"
    wb.save(path)
    try:
        result = import_sheet(path, "D02-TS")
    except ExcelError as exc:
        assert exc.message("vi")
        return
    assert not (result.rows and result.refused)          # never half-applied


def test_schema_checks_refuse_a_doctype_too():
    """Form files inside an envelope reach the XSD check before any signature check; it refuses DOCTYPEs."""
    from bhxh_desk.forms.schemas import check_bytes

    with pytest.raises(XmlError) as info:
        check_bytes(XXE, "D02-TS", "D02-TS.xml")
    assert info.value.code == "xml.forbidden"


def _padded(payload: bytes, padding: bytes) -> bytes:
    """The same payload with its DOCTYPE pushed far from the start, where a look at the first few KiB
    does not reach (issue 18: the check saw only 4 KiB)."""
    head, rest = payload.split(b"?>", 1)
    return head + b"?>\n" + padding + b"\n" + rest


PADDINGS = {
    "comment-8KiB": b"<!-- " + b"x" * 8192 + b" -->",
    "whitespace-1MiB": b" " * (1 << 20),
    "processing-instructions": b"<?bhxh note?>" * 2000,
}


@pytest.mark.parametrize("padding", PADDINGS.values(), ids=PADDINGS.keys())
@pytest.mark.parametrize("payload", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "external-dtd"])
@pytest.mark.parametrize("reader", [
    parse_xml, read_envelope, prepare, lambda d: verify_file(d, "CKy_Dvi"),
    lambda d: __import__("bhxh_desk.forms.schemas", fromlist=["check_bytes"]).check_bytes(d, "D02-TS", "f.xml"),
], ids=["parse", "envelope", "unsigned-envelope", "signature", "schema"])
def test_a_doctype_is_refused_wherever_it_stands(payload, padding, reader):
    with pytest.raises(XmlError) as info:
        reader(_padded(payload, padding))
    assert info.value.code == "xml.forbidden"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_doctype_in_a_wide_encoding_is_refused(codec):
    from bhxh_desk.forms.xmlsafe import refuse_prolog_tricks

    data = _padded(XXE, b"<!-- " + b"y" * 6000 + b" -->").decode().replace('version="1.0"',
                                                                          f'version="1.0" encoding="{codec}"')
    encoded = data.encode(codec)
    with pytest.raises(XmlError) as info:
        refuse_prolog_tricks(encoded)
    assert info.value.code == "xml.forbidden"


def test_the_whole_file_scan_leaves_a_real_envelope_alone():
    from bhxh_desk.forms.xmlsafe import declaration_in

    assert declaration_in(_signed_example_unsigned()) == ""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"<", b"!", b"<!", b"a", b"-", b"<!DOCTYPE", b"<!entity", b"!" * 70, b"\x00"]),
                max_size=60))
def test_markup_is_found_wherever_the_two_byte_search_finds_it(parts):
    """forms.xmlsafe.markup_starts looks for "<!" by its "!" (memchr), and after 64 "!" that follow no "<" by
    the two bytes: whatever the mix, every "<!" is found, in order, and nothing else."""
    from bhxh_desk.forms.xmlsafe import markup_starts

    data = b"".join(parts)
    expected, at = [], data.find(b"<!")
    while at != -1:
        expected.append(at)
        at = data.find(b"<!", at + 2)
    assert list(markup_starts(data)) == expected


def _signed_example_unsigned() -> bytes:
    from bhxh_desk.forms.draft import read_draft
    from bhxh_desk.forms.xmlbuild import build_unsigned

    return build_unsigned(read_draft(EXAMPLE))
