"""NoiDungFile base64 broken into lines (issue 18, item 6): XML Schema's base64Binary allows whitespace, and
other tools write 76-character lines, with LF or CR LF. Such a file reads, verifies, is checked as the
gateway checks it, and signs; DoDaiFile is the length of the text as written (docs/signing.md)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bhxh_desk.forms.errors import XmlError
from bhxh_desk.forms.xmlbuild import build_forms, build_unsigned
from bhxh_desk.forms.xmlread import draft_from_envelope, read_envelope
from bhxh_desk.signing.dossier import sign_dossier, verify_dossier
from bhxh_desk.signing.envelope import prepare
from bhxh_desk.signing.signer import KeySigner
from bhxh_desk.signing.xmldsig import sign_file, verify_file

XMLSEC = shutil.which("xmlsec1")
PAYLOAD = re.compile(rb"<DoDaiFile>(\d+)</DoDaiFile><NoiDungFile>([^<]*)</NoiDungFile>")


def broken(data: bytes, eol: bytes = b"\n", *, count: str = "as written") -> bytes:
    """Every NoiDungFile text in 76-character lines; DoDaiFile counted as ``count`` says."""
    def one(m: re.Match) -> bytes:
        text = m[2]
        lines = eol.join(text[i:i + 76] for i in range(0, len(text), 76)) + eol
        n = {"as written": len(lines), "crlf": len(lines) + lines.count(b"\n"), "base64 only": len(text)}[count]
        return b"<DoDaiFile>%d</DoDaiFile><NoiDungFile>%s</NoiDungFile>" % (n, lines)

    return PAYLOAD.sub(one, data)


def _unsign_envelope(signed: bytes) -> bytes:
    start = signed.rindex(b"<CKy_Dvi>") + len(b"<CKy_Dvi>")
    return signed[:start] + signed[signed.rindex(b"</CKy_Dvi>"):]


@pytest.fixture
def signer(pki):
    leaf = pki.leaf("0312345678")
    return KeySigner(leaf.key, leaf.cert)


def _trusted(pki) -> dict:
    return {"anchors": [pki.root.cert], "intermediates": [pki.intermediate.cert]}


def test_a_signed_file_with_line_broken_base64_verifies(example, signer, pki, tmp_path):
    # Signed by us, then its forms' texts broken into lines and the envelope signed again over that text.
    again = sign_file(broken(_unsign_envelope(sign_dossier(build_forms(example), signer))), "CKy_Dvi", signer)
    assert b"\n" in again.split(b"<NoiDungFile>", 1)[1][:100]
    results = verify_dossier(again, **_trusted(pki))
    assert len(results) == 4 and all(r.ok for r in results)
    env = read_envelope(again)
    assert [f.code for f in env.files][:3] == ["D02-TS", "TK1-TS", "D01-TS"]
    assert draft_from_envelope(again).rows("D02-TS")
    # What the sandbox gateway runs on a submission: the envelope read, each form's signature verified.
    for f in env.files:
        if f.extension == "xml":
            assert verify_file(f.content, "Cky").certificate == signer.certificate
    if XMLSEC:
        (tmp_path / "r.pem").write_bytes(pki.root.pem())
        (tmp_path / "i.pem").write_bytes(pki.intermediate.pem())
        (tmp_path / "s.xml").write_bytes(again)
        r = subprocess.run([XMLSEC, "--verify", "--trusted-pem", str(tmp_path / "r.pem"), "--untrusted-pem",
                            str(tmp_path / "i.pem"), str(tmp_path / "s.xml")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


def test_crlf_line_ends_verify_with_either_count(example, signer, pki):
    """A Windows tool writes CR LF; XML reading makes each LF, so the C14N, and the signature, is the same.
    Its DoDaiFile may count the text as read (LF) or as the file holds it (CR LF): both are accepted."""
    for count in ("as written", "crlf"):
        lf = sign_file(broken(_unsign_envelope(sign_dossier(build_forms(example), signer)), count=count), "CKy_Dvi",
                       signer)
        crlf = re.sub(rb"<NoiDungFile>([^<]*)</NoiDungFile>",
                      lambda m: b"<NoiDungFile>%s</NoiDungFile>" % m[1].replace(b"\n", b"\r\n"), lf)
        assert crlf.count(b"\r\n") > 10
        assert all(r.ok for r in verify_dossier(crlf, **_trusted(pki)))
        assert len(read_envelope(crlf).files) == 4


def test_an_unsigned_envelope_with_line_broken_base64_signs(example, signer, pki):
    unsigned = broken(build_unsigned(example))
    data = prepare(unsigned).sign(signer)
    assert all(r.ok for r in verify_dossier(data, **_trusted(pki)))
    # The forms are signed as they were: the same rows come back.
    assert draft_from_envelope(data).rows("D02-TS") == draft_from_envelope(build_unsigned(example)).rows("D02-TS")


def test_dodaifile_counting_only_the_base64_characters_is_refused(example, signer, pki):
    unsigned = broken(build_unsigned(example), count="base64 only")
    for reader in (read_envelope, prepare):
        with pytest.raises(XmlError) as info:
            reader(unsigned)
        assert "DoDaiFile" in info.value.message("en")
    signed = sign_file(broken(_unsign_envelope(sign_dossier(build_forms(example), signer)), count="base64 only"),
                       "CKy_Dvi", signer)
    with pytest.raises(XmlError) as info:
        verify_dossier(signed, **_trusted(pki))
    assert "DoDaiFile" in info.value.message("en")


def test_junk_inside_the_lines_is_still_not_base64(example):
    bad = broken(build_unsigned(example))
    at = bad.index(b"\n", bad.index(b"<NoiDungFile>"))
    bad = bad[:at] + b"*" + bad[at:]
    bad = PAYLOAD.sub(lambda m: b"<DoDaiFile>%d</DoDaiFile><NoiDungFile>%s</NoiDungFile>" % (len(m[2]), m[2]), bad)
    for reader in (read_envelope, prepare):
        with pytest.raises(XmlError) as info:
            reader(bad)
        assert "base64" in info.value.message("en")
