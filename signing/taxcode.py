"""Whether a certificate's tax code (MST) lets it sign for a unit: one rule, for the full certificate
check (``signing.certs``) and for a remembered one (``signing.certmemo``)."""

from __future__ import annotations

from bhxh_desk.signing.errors import CertificateError


def check_tax_code_text(found: str | None, unit_tax_code: str, override_reason: str | None = None) -> None:
    """The certificate must be the unit's own, unless an agent states why it signs for the unit."""
    if override_reason:
        return
    if found is None:
        raise CertificateError("cert.no_tax_code", unit_tax_code=unit_tax_code)
    # A branch (0312345678-001) may sign with its parent's certificate (0312345678) and vice versa.
    if found.split("-")[0] != unit_tax_code.split("-")[0]:
        raise CertificateError("cert.tax_code_mismatch", cert_tax_code=found, unit_tax_code=unit_tax_code)
