"""Our verifier (signing.xmldsig, signing.dossier) against two oracles: signxml and ``xmlsec1 --verify``.

The rule, both ways: every signature we verify, signxml and xmlsec1 verify too; every file either of them
refuses, we refuse. It is checked on the suite's wrapping, tampering and algorithm cases (each of which we
must refuse, so the test fails if a check is dropped) and on random mutations drawn by hypothesis."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from copy import deepcopy
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bhxh_desk.forms.canonical import XML_DECLARATION
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.signing import certs
from bhxh_desk.signing.dossier import verify_dossier
from bhxh_desk.signing.signer import KeySigner
from bhxh_desk.signing.xmldsig import DS, sign_file, verify_file

XMLSEC = shutil.which("xmlsec1")
pytestmark = pytest.mark.skipif(not XMLSEC, reason="xmlsec1 is needed (Debian package xmlsec1)")

FORM = ("<D02-TS><NoiDung><KyKeKhai>03/2026</KyKeKhai><DanhSach>"
        "<NguoiLaoDong><STT>1</STT><Hoten>Nguyễn Thị Lan</Hoten><tienLuong>6000000</tienLuong></NguoiLaoDong>"
        "<NguoiLaoDong><STT>2</STT><Hoten>Trần Văn An &amp; con</Hoten><tienLuong>7000000</tienLuong>"
        "</NguoiLaoDong></DanhSach></NoiDung><Cky></Cky></D02-TS>")


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    from tests.pki import TestPKI

    pki = TestPKI.create()
    folder = tmp_path_factory.mktemp("oracle")
    root, inter = folder / "root.pem", folder / "inter.pem"
    root.write_bytes(pki.root.pem())
    inter.write_bytes(pki.intermediate.pem())
    leaf = pki.leaf("0312345678")
    signed = sign_file(XML_DECLARATION + FORM.encode(), "Cky", KeySigner(leaf.key, leaf.cert))
    return pki, leaf, folder, signed


def ours(data: bytes, pki, *, stream: bool) -> bool:
    try:
        info = verify_file(data, "Cky", stream=stream)
        certs.build_chain(info.certificate, [pki.intermediate.cert], [pki.root.cert], info.signing_time)
    except BhxhError:
        return False
    return True


def by_signxml(data: bytes) -> bool:
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import SignXMLException

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    cert = root.find(f".//{{{DS}}}X509Certificate")
    if cert is None or not (cert.text or "").strip():
        return False
    try:
        XMLVerifier().verify(data, x509_cert="".join(cert.text.split()),
                             expect_config=SignatureConfiguration(location="./Cky/", expect_references=2))
    except (SignXMLException, etree.LxmlError, ValueError, KeyError, TypeError):
        return False
    return True


def by_xmlsec(data: bytes, folder: Path) -> bool:
    path = folder / "candidate.xml"
    path.write_bytes(data)
    r = subprocess.run([XMLSEC, "--verify", "--trusted-pem", str(folder / "root.pem"), "--untrusted-pem",
                        str(folder / "inter.pem"), str(path)], capture_output=True)
    return r.returncode == 0


def judge(data: bytes, material) -> tuple[bool, bool, bool]:
    """(ours, signxml, xmlsec1); ours must give the same answer on both of its paths."""
    pki, _leaf, folder, _signed = material
    stream, tree = ours(data, pki, stream=True), ours(data, pki, stream=False)
    assert stream == tree, "the stream and the tree paths disagree"
    return stream, _safe(by_signxml, data), by_xmlsec(data, folder)


def _safe(fn, data: bytes) -> bool:
    try:
        return fn(data)
    except etree.XMLSyntaxError:
        return False


def test_a_good_signature_verifies_for_all_three(material):
    assert judge(material[3], material) == (True, True, True)


# ---------------------------------------------------------------- the cases each of us must refuse

def _resign(data: bytes, leaf, *, method: str, digest: str, hash_name: str, si_hash) -> bytes:
    """A correct signature made with other algorithms (the verifier must still refuse those not allowed)."""
    root = etree.fromstring(data)
    sig = root.find(f"Cky/{{{DS}}}Signature")
    si = sig.find(f"{{{DS}}}SignedInfo")
    si.find(f"{{{DS}}}SignatureMethod").set("Algorithm", method)
    for ref in si.findall(f"{{{DS}}}Reference"):
        ref.find(f"{{{DS}}}DigestMethod").set("Algorithm", digest)
    whole, props = si.findall(f"{{{DS}}}Reference")
    obj = sig.find(f"{{{DS}}}Object")
    props.find(f"{{{DS}}}DigestValue").text = base64.b64encode(
        hashlib.new(hash_name, etree.tostring(obj, method="c14n", exclusive=True)).digest()).decode()
    holder = sig.getparent()
    holder.remove(sig)
    body = etree.tostring(root, method="c14n", exclusive=True)
    holder.append(sig)
    whole.find(f"{{{DS}}}DigestValue").text = base64.b64encode(hashlib.new(hash_name, body).digest()).decode()
    value = leaf.key.sign(etree.tostring(si, method="c14n", exclusive=True), padding.PKCS1v15(), si_hash)
    sig.find(f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    return XML_DECLARATION + etree.tostring(root, method="c14n", exclusive=True)


def _edit(data: bytes, fn) -> bytes:
    root = etree.fromstring(data)
    fn(root, root.find(f"Cky/{{{DS}}}Signature"))
    return XML_DECLARATION + etree.tostring(root, method="c14n", exclusive=True)


def _q(name: str) -> str:
    return f"{{{DS}}}{name}"


def _cases(material) -> dict[str, bytes]:
    pki, leaf, _folder, signed = material
    other = pki.leaf("0312345678")

    def moved_into_a_row(root, sig):
        root.find("NoiDung/DanhSach/NguoiLaoDong").append(sig)

    def copied_into_a_row(root, sig):
        root.find("NoiDung/DanhSach/NguoiLaoDong").append(deepcopy(sig))

    def wrapped(root, sig):                       # the signed content moved into an Object, a forged one in place
        original = deepcopy(root.find("NoiDung"))
        root.find("NoiDung/DanhSach/NguoiLaoDong/tienLuong").text = "1000000"
        obj = etree.SubElement(sig, _q("Object"))
        obj.append(original)

    def props_outside(root, sig):                 # the signed properties' Id given to a forged copy elsewhere
        obj = sig.find(_q("Object"))
        forged = deepcopy(obj)
        forged.find(".//{urn:bhxh-desk:xmldsig:signing-time}SigningTime").text = "2020-01-01T00:00:00+07:00"
        root.find("NoiDung").append(forged)

    def uri_elsewhere(root, sig):
        sig.find(f"{_q('SignedInfo')}/{_q('Reference')}").set("URI", "#props-x")

    def no_c14n_transform(root, sig):
        ts = sig.find(f"{_q('SignedInfo')}/{_q('Reference')}/{_q('Transforms')}")
        ts.remove(ts[1])

    def xpath_transform(root, sig):
        ts = sig.find(f"{_q('SignedInfo')}/{_q('Reference')}/{_q('Transforms')}")
        etree.SubElement(ts, _q("Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")

    def sha1_label(root, sig):
        sig.find(f"{_q('SignedInfo')}/{_q('SignatureMethod')}").set(
            "Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")

    def hmac(root, sig):
        sig.find(f"{_q('SignedInfo')}/{_q('SignatureMethod')}").set(
            "Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")

    def other_certificate(root, sig):
        from cryptography.hazmat.primitives.serialization import Encoding

        sig.find(f".//{_q('X509Certificate')}").text = base64.b64encode(
            other.cert.public_bytes(Encoding.DER)).decode()

    def target_changed(root, sig):
        sig.find(f".//{_q('SignatureProperty')}").set("Target", "#sig-other")

    def signature_id_changed(root, sig):
        sig.set("Id", sig.get("Id") + "0")

    def a_row_added(root, sig):
        rows = root.find("NoiDung/DanhSach")
        rows.append(deepcopy(rows[0]))

    def canonicalization_inclusive(root, sig):
        sig.find(f"{_q('SignedInfo')}/{_q('CanonicalizationMethod')}").set(
            "Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")

    def one_reference(root, sig):
        si = sig.find(_q("SignedInfo"))
        si.remove(si.findall(_q("Reference"))[1])

    edits = {name: fn for name, fn in locals().items() if callable(fn) and fn.__name__ == name}
    out = {name: _edit(signed, fn) for name, fn in edits.items()}
    out["rsa_sha1_resigned"] = _resign(signed, leaf, method="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                                       digest="http://www.w3.org/2000/09/xmldsig#sha1", hash_name="sha1",
                                       si_hash=hashes.SHA1())
    out["value_flipped"] = signed.replace(b"<SignatureValue>", b"<SignatureValue>AAAA", 1)
    out["text_changed"] = signed.replace(b"Lan", b"Lam", 1)
    out["comment_in_a_row"] = signed.replace(b"</Hoten>", b"</Hoten><!--</-->>", 1)
    out["pretty_printed"] = XML_DECLARATION + etree.tostring(etree.fromstring(signed), pretty_print=True)
    return out


def test_the_allowed_algorithms_resigned_still_verify(material):
    """The re-signing helper itself is right: with SHA-512 it makes a signature all three accept."""
    _pki, leaf, _folder, signed = material
    again = _resign(signed, leaf, method="http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
                    digest="http://www.w3.org/2001/04/xmlenc#sha512", hash_name="sha512", si_hash=hashes.SHA512())
    assert judge(again, material) == (True, True, True)


@pytest.mark.parametrize("case", [
    "moved_into_a_row", "copied_into_a_row", "wrapped", "props_outside", "uri_elsewhere", "no_c14n_transform",
    "xpath_transform", "sha1_label", "hmac", "other_certificate", "target_changed", "signature_id_changed",
    "a_row_added", "canonicalization_inclusive", "one_reference", "rsa_sha1_resigned", "value_flipped",
    "text_changed", "comment_in_a_row", "pretty_printed",
])
def test_wrapping_tampering_and_algorithm_cases(material, case):
    data = _cases(material)[case]
    mine, signxml_ok, xmlsec_ok = judge(data, material)
    assert not mine, f"{case}: we accepted it (signxml {signxml_ok}, xmlsec1 {xmlsec_ok})"


# ---------------------------------------------------------------- random mutations

PIECES = [b"<", b">", b"</", b"=", b"&amp;", b"&", b" ", b"\n", b"\r\n", b"A", b"0", b"<!-- x -->", b"<!--</-->>",
          b"<?pi x?>", b"<a/>", b"<Cky>", b"</Cky>", b"<Signature xmlns=\"" + DS.encode() + b"\">",
          b"</Signature>", b"Id=\"x\"", b'xmlns="urn:x"', b"<![CDATA[<]]>", b"&#65;", b"\xc3\xa9", b"\xff"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutations_we_accept_both_oracles_accept(material, data):
    signed = material[3]
    n = data.draw(st.integers(1, 3))
    mutated = signed
    for _ in range(n):
        pos = data.draw(st.integers(len(XML_DECLARATION), len(mutated)))
        how = data.draw(st.sampled_from(["insert", "replace", "delete"]))
        piece = data.draw(st.sampled_from(PIECES))
        if how == "insert":
            mutated = mutated[:pos] + piece + mutated[pos:]
        elif how == "replace":
            mutated = mutated[:pos] + piece + mutated[pos + len(piece):]
        else:
            mutated = mutated[:pos] + mutated[pos + data.draw(st.integers(1, 40)):]
    mine, signxml_ok, xmlsec_ok = judge(mutated, material)
    if mine:
        assert signxml_ok and xmlsec_ok, (mutated, signxml_ok, xmlsec_ok)


def test_whole_dossiers_we_verify_verify_for_the_oracles(material, example, tmp_path):
    """Both levels of a signed dossier, by our verifier and by xmlsec1 on the envelope and on each form."""
    from bhxh_desk.forms.xmlbuild import build_forms
    from bhxh_desk.forms.xmlread import read_envelope
    from bhxh_desk.signing.dossier import sign_dossier

    pki, leaf, folder, _signed = material
    data = sign_dossier(build_forms(example), KeySigner(leaf.key, leaf.cert))
    results = verify_dossier(data, anchors=[pki.root.cert], intermediates=[pki.intermediate.cert])
    assert len(results) == 4 and all(r.ok for r in results)
    assert by_xmlsec(data, folder)
    for f in read_envelope(data).files:
        if f.extension == "xml":
            assert by_xmlsec(f.content, folder), f.name
            assert by_signxml(f.content), f.name
