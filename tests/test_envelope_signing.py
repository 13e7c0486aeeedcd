"""Signing an unsigned envelope by its bytes (signing.envelope), and what it may skip because it was
already checked (forms.checkmemo, signing.certmemo): a skipped check must never change what is signed."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import pytest

from bhxh_desk.forms.canonical import XML_DECLARATION, looks_canonical
from bhxh_desk.forms.checkmemo import CheckMemo
from bhxh_desk.forms.envelope import edits, read_canonical
from bhxh_desk.forms.errors import SchemaError, XmlError
from bhxh_desk.forms.xmlbuild import build_envelope, build_forms, build_unsigned
from bhxh_desk.forms.xmlread import read_envelope
from bhxh_desk.signing.certcheck import check_before_signing
from bhxh_desk.signing.certmemo import CertMemo
from bhxh_desk.signing.dossier import verify_dossier
from bhxh_desk.signing.envelope import _base64_after_change, prepare
from bhxh_desk.signing.errors import CertificateError
from bhxh_desk.signing.signer import KeySigner
from bhxh_desk.signing.xmldsig import SignedFile
from tests.conftest import EXAMPLE
from tests.test_signing import XMLSEC, cli, sign_cli, xmlsec_verify


class Counting(KeySigner):
    def __init__(self, issued) -> None:
        super().__init__(issued.key, issued.cert)
        self.calls = 0

    def sign(self, data: bytes) -> bytes:
        self.calls += 1
        return super().sign(data)


@pytest.fixture(autouse=True)
def _fresh_process_records():
    CheckMemo.forget_process_records()
    yield
    CheckMemo.forget_process_records()


def _signer(pki) -> KeySigner:
    leaf = pki.leaf()
    return KeySigner(leaf.key, leaf.cert)


def _verifies(data: bytes, pki) -> bool:
    return all(r.ok for r in verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert]))


def test_base64_reuse_is_exactly_the_full_encoding():
    rng = random.Random(7)
    for _ in range(300):
        old = rng.randbytes(rng.randrange(0, 400))
        cut = rng.randrange(0, len(old) + 1)
        new = old[:cut] + rng.randbytes(rng.randrange(0, 50)) + old[cut:]
        split = sorted(rng.randrange(0, len(new) + 1) for _ in range(rng.randrange(0, 4)))
        signed = SignedFile(tuple(new[a:b] for a, b in zip([0, *split], [*split, len(new)], strict=True)), cut)
        old_text = base64.b64encode(old)
        for text in (old_text, None):
            kept, tail = _base64_after_change(memoryview(text) if text else None, signed)
            assert (text or b"")[:kept] + bytes(tail) == base64.b64encode(new)


def test_whitespace_inside_a_tag_is_not_taken_for_canonical(example, pki):
    """'<a >' is well-formed but C14N writes '<a>': such a form must be canonicalised before its digest."""
    dossier = build_forms(example)
    form = next(f for f in dossier.files if f.extension == "xml")
    spaced = form.content.replace(b"</STT>", b"</STT >").replace(b"<Hoten>", b"<Hoten\n>")
    assert spaced != form.content and not looks_canonical(spaced)
    files = [type(f)(f.code, f.description, f.name, spaced) if f is form else f for f in dossier.files]
    data = prepare(build_envelope(dossier, files)).sign(_signer(pki))
    assert _verifies(data, pki)


def test_a_built_file_is_signed_without_a_second_check_and_verifies(example, pki, tmp_path):
    memo = CheckMemo(tmp_path / "checked")
    unsigned = build_unsigned(example, memo=memo)
    forms = sum(1 for c in read_canonical(unsigned).files if c.extension == "xml")
    assert forms >= 2 and len(list((tmp_path / "checked").iterdir())) == forms + 1    # each form, the envelope
    CheckMemo.forget_process_records()                            # a new process: only the folder remembers
    signer = Counting(pki.leaf())
    data = prepare(unsigned, memo=CheckMemo(tmp_path / "checked")).sign(signer)
    assert signer.calls == forms + 1 and _verifies(data, pki)
    if XMLSEC:
        out = tmp_path / "s.xml"
        out.write_bytes(data)
        trust = tmp_path / "r.pem", tmp_path / "i.pem"
        trust[0].write_bytes(pki.root.pem())
        trust[1].write_bytes(pki.intermediate.pem())
        assert xmlsec_verify(out, trust).returncode == 0


def splice(envelope, payloads: dict[int, bytes]) -> bytes:
    """The envelope with the base64 texts of the given files replaced (and their DoDaiFile with them)."""
    view = memoryview(envelope.data)
    out: list[bytes | memoryview] = []
    pos = 0
    for start, end, text in edits(envelope, {i: (0, text) for i, text in payloads.items()}):
        out += [view[pos:start], text]
        pos = end
    out.append(view[pos:])
    return b"".join(out)


def _with_form(unsigned: bytes, change) -> bytes:
    """The envelope with its first form's bytes changed, base64 and DoDaiFile kept consistent."""
    text = read_canonical(unsigned)
    i = next(n for n, c in enumerate(text.files) if c.code == "D02-TS")
    form = base64.b64decode(bytes(text.payload(i)))
    changed = change(form)
    assert changed != form
    return splice(text, {i: base64.b64encode(changed)})


def test_a_changed_form_misses_the_record_and_gets_the_full_check(example, pki, tmp_path):
    memo = CheckMemo(tmp_path / "checked")
    unsigned = build_unsigned(example, memo=memo)
    # Still canonical and well-formed, but not valid: an element the XSD does not know.
    broken = _with_form(unsigned, lambda f: f.replace(b"</Hoten>", b"</Hoten><Extra></Extra>", 1))
    with pytest.raises(SchemaError):
        prepare(broken, memo=memo)
    # A valid change is checked, accepted, signed as changed, and remembered.
    note = "Ghi chú sửa tay".encode()
    renamed = _with_form(unsigned, lambda f: f.replace(b"<ghiChu></ghiChu>", b"<ghiChu>" + note + b"</ghiChu>", 1))
    assert renamed != unsigned
    data = prepare(renamed, memo=memo).sign(_signer(pki))
    assert _verifies(data, pki)
    assert note in next(f.content for f in read_envelope(data).files if f.code == "D02-TS")


def test_an_invalid_envelope_is_refused_even_when_its_forms_are_known(example, tmp_path):
    memo = CheckMemo(tmp_path / "checked")
    unsigned = build_unsigned(example, memo=memo)
    bad = unsigned.replace(b"<KyKeKhai>03/2026</KyKeKhai>", b"<KyKeKhai>13/2026</KyKeKhai>")
    assert bad != unsigned
    with pytest.raises(SchemaError):
        prepare(bad, memo=memo)


def test_an_envelope_from_another_tool_is_canonicalised(example, pki):
    from lxml import etree

    unsigned = build_unsigned(example)
    pretty = XML_DECLARATION + etree.tostring(etree.fromstring(unsigned), pretty_print=True)
    assert read_canonical(pretty) is None
    data = prepare(pretty).sign(_signer(pki))
    assert _verifies(data, pki)


def test_count_mismatch_is_refused(example):
    unsigned = build_unsigned(example)
    with pytest.raises(XmlError):
        prepare(unsigned.replace(b"<SoLuongFile>4</SoLuongFile>", b"<SoLuongFile>3</SoLuongFile>"))


# ---------------------------------------------------------------- certificate verdicts

def _trust(tmp_path, pki):
    root, inter = tmp_path / "root.pem", tmp_path / "inter.pem"
    root.write_bytes(pki.root.pem())
    inter.write_bytes(pki.intermediate.pem())
    return [root, inter]


def test_certificate_verdict_is_remembered_and_still_checks_time_and_tax_code(pki, tmp_path):
    from cryptography.hazmat.primitives.serialization import Encoding

    leaf = pki.leaf("0312345678")
    der = leaf.cert.public_bytes(Encoding.DER)
    trust = _trust(tmp_path, pki)
    folder = tmp_path / "certificates"
    now = datetime.now(UTC)
    check_before_signing(der, at=now, unit_tax_codes=["0312345678"], extra_trust=trust, memo=CertMemo(folder))
    assert len(list(folder.glob("*.json"))) == 1
    memo = CertMemo(folder)                        # a new process reads the record
    check_before_signing(der, at=now, unit_tax_codes=["0312345678-001"], extra_trust=trust, memo=memo)
    with pytest.raises(CertificateError) as info:
        check_before_signing(der, at=now, unit_tax_codes=["0399999999"], extra_trust=trust, memo=memo)
    assert info.value.code == "cert.tax_code_mismatch"
    with pytest.raises(CertificateError) as info:
        check_before_signing(der, at=now + timedelta(days=3650), unit_tax_codes=["0312345678"],
                             extra_trust=trust, memo=memo)
    assert info.value.code == "cert.expired"
    # Without the intermediate the chain does not build, whatever was remembered with it.
    with pytest.raises(CertificateError) as info:
        check_before_signing(der, at=now, unit_tax_codes=["0312345678"], extra_trust=trust[:1], memo=memo)
    assert info.value.code == "cert.untrusted"


def test_sign_command_writes_its_records_and_signs_again_from_them(hsm, trust_files, tmp_path):
    home = tmp_path / "home2"
    env = {"BHXH_DESK_HOME": str(home)}
    unsigned = tmp_path / "u.xml"
    assert cli("build", str(EXAMPLE), "-o", str(unsigned), env=env).returncode == 0
    forms = sum(1 for c in read_canonical(unsigned.read_bytes()).files if c.extension == "xml")
    assert len(list((home / "cache" / "checked").iterdir())) == forms + 1
    # A fresh process with no records: both XSDs are compiled at once, in two threads.
    cold = sign_cli(hsm, trust_files, str(unsigned), out=tmp_path / "cold.xml",
                    env={"BHXH_DESK_HOME": str(tmp_path / "empty-home")})
    assert cold.returncode == 0, cold.stderr
    for n in (1, 2):
        out = tmp_path / f"s{n}.xml"
        r = sign_cli(hsm, trust_files, str(unsigned), out=out, env=env)
        assert r.returncode == 0, r.stderr
        assert len(list((home / "cache" / "certificates").glob("*.json"))) == 1
        root, inter = trust_files
        assert cli("verify", str(out), "--trust", str(root), "--trust", str(inter)).returncode == 0


def test_signing_a_known_file_imports_no_parser_and_no_dataclasses(hsm, trust_files, tmp_path):
    """The start-up budget of `sign` (docs/architecture.md, "Records on the signing path"): a file and a
    certificate already checked are signed without lxml, cryptography, or dataclasses (and the inspect
    module it brings), which together were a third of the command's time."""
    env = {"BHXH_DESK_HOME": str(tmp_path / "home")}
    unsigned = tmp_path / "u.xml"
    assert cli("build", str(EXAMPLE), "-o", str(unsigned), env=env).returncode == 0
    assert sign_cli(hsm, trust_files, str(unsigned), out=tmp_path / "first.xml", env=env).returncode == 0
    r = sign_cli(hsm, trust_files, str(unsigned), out=tmp_path / "again.xml",
                 env={**env, "PYTHONPROFILEIMPORTTIME": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert {"bhxh_desk.signing.envelope", "bhxh_desk.signing.token.client"} <= imported     # the listing works
    heavy = {"dataclasses", "inspect", "lxml", "lxml.etree", "cryptography", "PySide6"}
    assert not heavy & imported, sorted(heavy & imported)


def _looks_canonical_by_counts(body: bytes) -> bool:
    """The canonical test written plainly, one count per rule (forms.canonical explains the rules); the
    module's version is written for speed and must answer exactly as this does."""
    if not body.startswith(b"<") or not body.endswith(b">") or b"=" in body or b"\r" in body:
        return False
    if b"<!" in body or b"<?" in body:            # a comment may hold "</", which a raw ">" then balances
        return False
    opens = body.count(b"<")
    if opens != body.count(b">") or opens != 2 * body.count(b"</"):
        return False
    if b" >" in body or b"\n>" in body or b"\t>" in body:
        return False
    return body.count(b"&") == sum(body.count(e) for e in (b"&amp;", b"&lt;", b"&gt;", b"&#xD;"))


def test_the_fast_canonical_test_answers_as_the_plain_one(example):
    form = next(f for f in build_forms(example).files if f.extension == "xml").content
    body = form[len(XML_DECLARATION):]
    rng = random.Random(11)
    pieces = [b" >", b"\n>", b"\t>", b"\n", b"\t", b" ", b"&amp;", b"&lt;", b"&gt;", b"&#xD;", b"&", b"&quot;",
              b"<a/>", b"<!-- c -->", b"<!--</-->>", b"<?pi</?>>", b"!", b"?", b"=", b"\r", b"<", b">", b"</",
              b"<b></b>", b"&am", b"p;",
              b"&&amp;", b"&amp;&", b"&lt;&", b"&gt;&q"]
    seen = {True: 0, False: 0}
    for _ in range(400):
        mutated = bytearray(body)
        for _ in range(rng.randrange(0, 3)):
            at = rng.randrange(0, len(mutated) + 1)
            mutated[at:at] = rng.choice(pieces)
        mutated = bytes(mutated)
        expected = _looks_canonical_by_counts(mutated)
        assert looks_canonical(XML_DECLARATION + mutated) is expected, mutated[:80]
        seen[expected] += 1
    assert seen[True] > 20 and seen[False] > 100        # both answers were exercised
