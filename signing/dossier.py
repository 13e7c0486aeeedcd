"""Signing and verifying a whole dossier at both levels.

A dossier with k forms costs k + 1 signatures: each form at ``<Form>/Cky``, then the envelope at
``Hoso/CKy_Dvi`` over the signed forms. Verification checks every signature, then the signer's certificate
at the signing time it signed (validity, key usage, chain to a trust anchor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from cryptography import x509

from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.xmlbuild import ENVELOPE_SIGNATURE, Dossier, build_envelope
from bhxh_desk.forms.xmlread import envelope_from_tree
from bhxh_desk.signing import certs
from bhxh_desk.signing.envelope import prepare
from bhxh_desk.signing.errors import CertificateError, SignatureError
from bhxh_desk.signing.signer import Signer
from bhxh_desk.signing.xmldsig import SignatureInfo, verify_file


def sign_dossier(dossier: Dossier, signer: Signer, *, signing_time: datetime | None = None,
                 created: date | None = None) -> bytes:
    """The signed BHXHDienTu.xml. ``signer`` is called exactly len(forms) + 1 times.

    The envelope is built unsigned, then signed as any unsigned envelope is (``signing.envelope``): the
    forms it was just built from are known to this process as checked, so they are not parsed again."""
    when = signing_time or datetime.now(UTC)
    unsigned = build_envelope(dossier, created=created or dossier.created or when.date())
    return prepare(unsigned).sign(signer, signing_time=when)


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
    or broken; a signature that is intact but not trusted comes back with its ``trust_error``."""
    anchors = certs.trust_anchors() if anchors is None else anchors
    catalog = load_catalog()
    outer = verify_file(data, ENVELOPE_SIGNATURE)
    results = [check_trust(outer, anchors, intermediates)]
    # The forms are read from what the envelope signature covers, as signxml returns it: not parsed again.
    files = envelope_from_tree(outer.signed).files
    del outer
    for f in files:
        form = catalog.forms.get(f.code)
        if form is None or f.extension != "xml":
            continue
        try:
            results.append(check_trust(verify_file(f.content, form.signature_element), anchors, intermediates))
        except SignatureError as exc:
            raise SignatureError(exc.code, **{**exc.params, "where": f"{f.name}: {exc.params.get('where', '')}"}) \
                from None
    return results
