"""The certificate check before signing, as the sign command and the batch run it: the full check of
``signing.certs`` when needed, the remembered verdict of ``signing.certmemo`` when it covers the time.

Trust inputs are files: the bundled anchors in ``resources/trust`` plus any ``--trust`` file. A
self-signed certificate among them is an anchor; any other is an intermediate for chain building, as are
the other certificates on the signer's token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bhxh_desk.forms.resources import resource
from bhxh_desk.signing.certmemo import CertMemo, CertVerdict
from bhxh_desk.signing.errors import CertificateError
from bhxh_desk.signing.taxcode import check_tax_code_text

if TYPE_CHECKING:
    from bhxh_desk.signing.revocation import CrlSource


def trust_files(extra: Iterable[str | Path] = ()) -> list[Path]:
    return [*sorted(resource("trust").glob("*.pem")), *(Path(p) for p in extra)]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CertificateError("cert.unreadable", reason=f"{path}: {exc.strerror}") from None


def trust_material(extra: Iterable[str | Path] = ()):
    """(anchors, intermediates) parsed from the trust files."""
    from bhxh_desk.signing import certs

    anchors, intermediates = [], []
    for path in trust_files(extra):
        for cert in certs.load_pem_file(path):
            (anchors if cert.issuer == cert.subject else intermediates).append(cert)
    return anchors, intermediates


def _full_check(leaf_der: bytes, at: datetime, extra_trust: Sequence[str | Path],
                token_ders: Sequence[bytes], revocation: CrlSource | None) -> CertVerdict:
    from bhxh_desk.signing import certs

    leaf = certs.load_pem_or_der(leaf_der)
    anchors, intermediates = trust_material(extra_trust)
    intermediates += [certs.load_pem_or_der(d) for d in token_ders]
    trust = certs.trusted_at(leaf, intermediates, anchors, at, revocation)
    not_before, not_after = certs.chain_window(trust.chain)
    return CertVerdict(not_before=not_before, not_after=not_after, tax_code=certs.tax_code_of(leaf),
                       revocation_until=trust.fresh_until, notes=tuple((n.code, n.params) for n in trust.notes))


def _replay(verdict: CertVerdict, revocation: CrlSource) -> None:
    """A remembered verdict's notes, as the full check would have made them, under today's setting."""
    from bhxh_desk.signing.revocation import Note

    for code, params in verdict.notes:
        if code == "cert.revocation_unknown_note" and revocation.block_unknown:
            raise CertificateError("cert.revocation_unknown", **params)
        revocation.tell(Note(code, params))


def check_before_signing(leaf_der: bytes, *, at: datetime, unit_tax_codes: Iterable[str],
                         override_reason: str | None = None, extra_trust: Sequence[str | Path] = (),
                         token_ders: Sequence[bytes] = (), memo: CertMemo | None = None,
                         revocation: CrlSource | None = None) -> CertVerdict:
    """Validity at ``at``, key usage, the chain to an anchor, revocation (with a CRL source, given or
    active: ``signing.revocation``), and each unit's tax code; raises ``CertificateError`` naming the
    first problem. The verdict's notes say what was accepted with a caveat (revocation unknown)."""
    from bhxh_desk.signing.revocation import current

    memo = memo or CertMemo()
    revocation = revocation or current()
    inputs = [_read(p) for p in trust_files(extra_trust)] + list(token_ders)
    key = CertMemo.key(leaf_der, inputs)
    verdict = memo.get(key)
    if verdict is None or not verdict.covers(at) or (revocation is not None and not verdict.revocation_covers(at)):
        verdict = _full_check(leaf_der, at, extra_trust, token_ders, revocation)
        memo.put(key, verdict)
    elif revocation is not None:
        _replay(verdict, revocation)
    for unit_tax_code in unit_tax_codes:
        check_tax_code_text(verdict.tax_code, unit_tax_code, override_reason)
    return verdict
