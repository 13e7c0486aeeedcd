"""Signing and verifying a whole dossier at both levels.

A dossier with k forms costs k + 1 signatures: each form at ``<Form>/Cky``, then the envelope at
``Hoso/CKy_Dvi`` over the signed forms. Verification checks every signature, then the signer's certificate
at the signing time it signed (validity, key usage, chain to a trust anchor).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from cryptography import x509

from bhxh_desk.forms import schemas
from bhxh_desk.forms.envelope import ENVELOPE_NAME, cut_payloads, decode_payload, file_extension, length_matches
from bhxh_desk.forms.errors import XmlError
from bhxh_desk.forms.xmlbuild import ENVELOPE_SIGNATURE, Dossier, build_envelope_for_signing
from bhxh_desk.forms.xmlread import envelope_from_tree
from bhxh_desk.forms.xmlsafe import refuse_prolog_tricks
from bhxh_desk.signing import certs
from bhxh_desk.signing.envelope import prepare
from bhxh_desk.signing.errors import CertificateError, SignatureError
from bhxh_desk.signing.signer import Signer
from bhxh_desk.signing.xmldsig import (
    SignatureInfo,
    canonical_split,
    check_signature,
    locate_signature,
    parse_signed,
    take_out,
    verify_file,
)


def sign_dossier(dossier: Dossier, signer: Signer, *, signing_time: datetime | None = None,
                 created: date | None = None) -> bytes:
    """The signed BHXHDienTu.xml. ``signer`` is called exactly len(forms) + 1 times.

    The envelope is built unsigned, then signed as any unsigned envelope is (``signing.envelope``): the
    forms it was just built from are known to this process as checked, so they are not parsed again."""
    when = signing_time or datetime.now(UTC)
    built = build_envelope_for_signing(dossier, created=created or dossier.created or when.date(), to_sign=True)
    return prepare(built.data, built=built).sign(signer, signing_time=when)


@dataclass(frozen=True, slots=True)
class CheckedSignature:
    where: str
    signer: certs.CertFacts
    signing_time: datetime | None
    trust_error: CertificateError | None     # None when the certificate was valid and trusted at signing time

    @property
    def ok(self) -> bool:
        return self.trust_error is None


def check_trust(info: SignatureInfo, anchors: Sequence[x509.Certificate],
           intermediates: Sequence[x509.Certificate]) -> CheckedSignature:
    at = info.signing_time or datetime.now(UTC)
    error = None
    try:
        certs.check_validity(info.certificate, at)
        certs.check_key_usage(info.certificate)
        certs.build_chain(info.certificate, intermediates, anchors, at)
    except CertificateError as exc:
        error = exc
    return CheckedSignature(where=info.where, signer=certs.facts(info.certificate), signing_time=info.signing_time,
                            trust_error=error)


def verify_dossier(data: bytes, *, anchors: Sequence[x509.Certificate] | None = None,
                   intermediates: Sequence[x509.Certificate] = ()) -> list[CheckedSignature]:
    """Every signature in the dossier, envelope first. Raises ``SignatureError`` when a signature is missing
    or broken; a signature that is intact but not trusted comes back with its ``trust_error``.

    The envelope is checked on its bytes with its base64 texts cut out (``_verify_envelope``); each form
    is then decoded from those bytes, one at a time, and verified as a stream of rows."""
    anchors = certs.trust_anchors() if anchors is None else anchors
    outer, files = _verify_envelope(data)
    results = [check_trust(outer, anchors, intermediates)]
    layouts = schemas.form_layouts()
    for f in files:
        layout = layouts.get(f.code)
        if layout is None or f.extension != "xml":
            continue
        content = f.content()
        try:
            info = verify_file(content, layout.signature_element, stream=True)
        except SignatureError as exc:
            raise SignatureError(exc.code, **{**exc.params, "where": f"{f.name}: {exc.params.get('where', '')}"}) \
                from None
        del content
        results.append(check_trust(info, anchors, intermediates))
    return results


class _Carried(NamedTuple):
    """One file of a verified envelope; its content is decoded when asked for (a form of a 100,000-row
    list is 110 MB, and only one is held at a time)."""

    code: str
    name: str
    content: Callable[[], bytes]

    @property
    def extension(self) -> str:
        return file_extension(self.name)


def _verify_envelope(data: bytes) -> tuple[SignatureInfo, list[_Carried]]:
    """The envelope's signature and its files. Its base64 texts hold no markup, so the envelope is
    well-formed, and canonical, exactly when the rest of it is: that rest (the skeleton) is parsed and
    checked, the digest is taken over the file's own bytes. An envelope that is not canonical (written by
    another tool) is parsed whole instead."""
    refuse_prolog_tricks(data)
    cut = cut_payloads(data)
    if cut is None:
        return _verify_envelope_tree(data)
    root, found = parse_signed(cut.skeleton)
    signature = locate_signature(root, found, ENVELOPE_SIGNATURE)
    split = canonical_split(cut.skeleton, root.tag, ENVELOPE_SIGNATURE, signature)
    if split is None or (cut.before and cut.before[-1] > split[1]):
        return _verify_envelope_tree(data)
    start, at, resume, end = split
    removed = sum(b - a for a, b in cut.ranges)
    view = memoryview(data)

    def digest(name: str) -> bytes:
        h = hashlib.new(name)
        h.update(view[start:at + removed])
        h.update(view[resume + removed:end + removed])
        return h.digest()

    where = f"{root.tag}/{ENVELOPE_SIGNATURE}"
    cert, signing_time = check_signature(signature, where, elsewhere=lambda _id: 0, document_digest=digest)
    take_out(signature)
    schemas.check(root, schemas.ENVELOPE_SCHEMA, ENVELOPE_NAME)
    items = root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    texts = list(root.iter("NoiDungFile"))
    if len(texts) != len(cut.ranges) or len(items) != len(texts):
        return _verify_envelope_tree(data)
    files = []
    for item, (a, b) in zip(items, cut.ranges, strict=True):
        name = item.findtext("TenFile") or ""
        if not length_matches(item.findtext("DoDaiFile") or "", view[a:b]):
            raise XmlError("xml.malformed", reason=f"DoDaiFile of {name} does not match its content")
        decode_payload(view[a:b], name)            # every file must be base64, attachments too

        def content(a: int = a, b: int = b, name: str = name) -> bytes:
            return decode_payload(view[a:b], name)

        files.append(_Carried(item.findtext("MaToKhai") or "", name, content))
    if str(len(files)) != (root.findtext("NoiDung/ThongTinHoSo/SoLuongFile") or ""):
        raise XmlError("xml.malformed", reason="SoLuongFile does not match the files carried")
    info = SignatureInfo(where=where, certificate=cert, signing_time=signing_time, signed=root)
    return info, files


def _verify_envelope_tree(data: bytes) -> tuple[SignatureInfo, list[_Carried]]:
    outer = verify_file(data, ENVELOPE_SIGNATURE)
    env = envelope_from_tree(outer.signed)
    return outer, [_Carried(f.code, f.name, lambda f=f: f.content) for f in env.files]
