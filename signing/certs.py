"""Certificate facts and checks before signing: validity, key usage, the unit's tax code, the chain.

Vietnamese CA chains end at the MIC National Root CA (``resources/trust``). Their older certificates are
signed with SHA-1, which general-purpose path validators refuse, so the chain is built here by hand:
issuer name, then the issuer's signature over the certificate, then CA constraints and validity at the
signing time. Each refusal is a ``CertificateError`` naming the certificate and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from bhxh_desk.forms.display import dmy
from bhxh_desk.forms.resources import resource
from bhxh_desk.signing.errors import CertificateError
from bhxh_desk.signing.taxcode import check_tax_code_text

if TYPE_CHECKING:
    from bhxh_desk.signing.revocation import CrlSource, Note

_TAX_CODE = re.compile(r"MST:\s*(\d{10}(?:-\d{3})?)")
MAX_CHAIN = 8


@dataclass(frozen=True, slots=True)
class CertFacts:
    """What a person needs to recognise a certificate."""

    subject: str               # the common name, or the whole subject when there is none
    issuer: str
    serial: str                # hex
    not_before: datetime
    not_after: datetime
    tax_code: str | None       # from UID=MST:...

    def validity_text(self) -> str:
        return f"{dmy(self.not_before)} – {dmy(self.not_after)}"


def load_pem_or_der(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError("cert.unreadable", reason=str(exc)) from None


def load_pem_file(path: str | Path) -> list[x509.Certificate]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CertificateError("cert.unreadable", reason=f"{path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise CertificateError("cert.unreadable", reason=f"{path}: {exc}") from None


def _name(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else name.rfc4514_string()


def tax_code_of(cert: x509.Certificate) -> str | None:
    for attr in cert.subject.get_attributes_for_oid(NameOID.USER_ID):
        m = _TAX_CODE.search(str(attr.value))
        if m:
            return m.group(1)
    return None


def facts(cert: x509.Certificate) -> CertFacts:
    return CertFacts(
        subject=_name(cert.subject), issuer=_name(cert.issuer), serial=f"{cert.serial_number:x}",
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc, tax_code=tax_code_of(cert),
    )


def trust_anchors(extra: Iterable[str | Path] = (), *, bundled: bool = True) -> list[x509.Certificate]:
    anchors: list[x509.Certificate] = []
    if bundled:
        for path in sorted(resource("trust").glob("*.pem")):
            anchors.extend(load_pem_file(path))
    for path in extra:
        anchors.extend(load_pem_file(path))
    return anchors


def check_validity(cert: x509.Certificate, at: datetime, code_expired: str = "cert.expired") -> None:
    if at < cert.not_valid_before_utc:
        raise CertificateError("cert.not_yet_valid", subject=_name(cert.subject), date=dmy(cert.not_valid_before_utc))
    if at > cert.not_valid_after_utc:
        raise CertificateError(code_expired, subject=_name(cert.subject), date=dmy(cert.not_valid_after_utc))


def check_key_usage(cert: x509.Certificate) -> None:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return      # no restriction
    if not (ku.digital_signature or ku.content_commitment):
        raise CertificateError("cert.key_usage", subject=_name(cert.subject))


def check_tax_code(cert: x509.Certificate, unit_tax_code: str, override_reason: str | None = None) -> None:
    """The certificate must be the unit's own, unless an agent states why it signs for the unit."""
    check_tax_code_text(tax_code_of(cert), unit_tax_code, override_reason)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        key = issuer.public_key()
        algorithm = cert.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_chain(cert: x509.Certificate, intermediates: Sequence[x509.Certificate],
                anchors: Sequence[x509.Certificate], at: datetime,
                revocation: CrlSource | None = None) -> list[x509.Certificate]:
    """The chain from ``cert`` to a trust anchor, each link checked at time ``at``; and, with a CRL
    source (given, or made active for this thread by ``signing.revocation.active``), no certificate of it
    revoked on or before ``at``. What the source notes (revoked later, revocation unknown) it keeps."""
    chain = chain_to_anchor(cert, intermediates, anchors, at)
    if revocation is None:
        from bhxh_desk.signing.revocation import current

        revocation = current()
    if revocation is not None:
        revocation.check_chain(chain, at)
    return chain


class ChainTrust(NamedTuple):
    """A certificate trusted at a time: its chain, what a person should read about it (a revocation
    after that time, revocation unknown), and until when the revocation answer holds (None: not asked)."""

    chain: list[x509.Certificate]
    notes: tuple[Note, ...]
    fresh_until: datetime | None


def trusted_at(cert: x509.Certificate, intermediates: Sequence[x509.Certificate],
               anchors: Sequence[x509.Certificate], at: datetime,
               revocation: CrlSource | None = None) -> ChainTrust:
    """The one verdict on a signer's certificate at time ``at`` (a signature's signing time, or now):
    validity, key usage, the chain to an anchor, and revocation when a CRL source is given or active.
    Raises ``CertificateError`` naming the first problem."""
    check_validity(cert, at)
    check_key_usage(cert)
    chain = chain_to_anchor(cert, intermediates, anchors, at)
    if revocation is None:
        from bhxh_desk.signing.revocation import current

        revocation = current()
    if revocation is None:
        return ChainTrust(chain, (), None)
    answer = revocation.check_chain(chain, at)
    return ChainTrust(chain, answer.notes, answer.fresh_until)


def chain_to_anchor(cert: x509.Certificate, intermediates: Sequence[x509.Certificate],
                    anchors: Sequence[x509.Certificate], at: datetime) -> list[x509.Certificate]:
    """The chain from ``cert`` to a trust anchor by names and signatures, each link valid at ``at``."""
    chain = [cert]
    current = cert
    for _ in range(MAX_CHAIN):
        for anchor in anchors:
            if _signed_by(current, anchor):
                check_validity(anchor, at, "cert.chain_expired")
                chain.append(anchor)
                return chain
        issuer = next((c for c in intermediates if c not in chain and _signed_by(current, c)), None)
        if issuer is None:
            raise CertificateError("cert.untrusted", subject=_name(cert.subject), issuer=_name(current.issuer))
        if not _is_ca(issuer):
            raise CertificateError("cert.chain_not_ca", subject=_name(issuer.subject))
        check_validity(issuer, at, "cert.chain_expired")
        chain.append(issuer)
        current = issuer
    raise CertificateError("cert.untrusted", subject=_name(cert.subject), issuer=_name(current.issuer))


def check_signing_certificate(cert: x509.Certificate, *, at: datetime | None = None,
                              unit_tax_code: str | None = None, override_reason: str | None = None,
                              intermediates: Sequence[x509.Certificate] = (),
                              anchors: Sequence[x509.Certificate] | None = None) -> list[x509.Certificate]:
    """Every check a certificate must pass before it signs; returns the chain."""
    at = at or datetime.now(UTC)
    check_validity(cert, at)
    check_key_usage(cert)
    if unit_tax_code:
        check_tax_code(cert, unit_tax_code, override_reason)
    return trusted_at(cert, intermediates, trust_anchors() if anchors is None else anchors, at).chain


def chain_window(chain: Sequence[x509.Certificate]) -> tuple[datetime, datetime]:
    """The times at which every certificate of the chain is valid."""
    return (max(c.not_valid_before_utc for c in chain), min(c.not_valid_after_utc for c in chain))
