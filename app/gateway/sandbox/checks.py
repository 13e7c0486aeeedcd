"""What the sandbox checks before it files a dossier (docs/gateway-protocol.md, POST /v1/dossiers).

Each refusal is a ``Refusal`` with reasons that carry our stable codes and both languages, so the client
can show exactly what the gateway disliked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509

from bhxh_desk.app.gateway.errors import Reason
from bhxh_desk.app.gateway.sandbox.db import Account, SandboxDB
from bhxh_desk.forms.catalog import load_catalog
from bhxh_desk.forms.errors import BhxhError
from bhxh_desk.forms.messages import render
from bhxh_desk.forms.xmlread import Envelope, read_envelope
from bhxh_desk.signing import otp as otp_mod
from bhxh_desk.signing.dossier import CheckedSignature, check_trust
from bhxh_desk.signing.xmldsig import verify_file


class Refusal(Exception):
    def __init__(self, http_status: int, code: str, reasons: list[Reason]) -> None:
        super().__init__(code)
        self.http_status = http_status
        self.code = code
        self.reasons = reasons


def reason(code: str, where: str = "", **params: object) -> Reason:
    return Reason(code=code, message_vi=render(code, "vi", **params), message_en=render(code, "en", **params),
                  where=where)


def from_error(err: BhxhError, where: str = "") -> Reason:
    return Reason(code=err.code, message_vi=err.message("vi"), message_en=err.message("en"), where=where)


@dataclass(frozen=True)
class Accepted:
    envelope: Envelope
    reject_reasons: list[Reason]         # content the sandbox will reject later (status 203)


def _signatures(env: Envelope, data: bytes, anchors: Sequence[x509.Certificate],
                intermediates: Sequence[x509.Certificate], allow_unsigned_forms: bool) -> list[CheckedSignature]:
    catalog = load_catalog()
    checked = []
    if not allow_unsigned_forms:
        checked.append(check_trust(verify_file(data, "CKy_Dvi"), anchors, intermediates))
    for f in env.files:
        form = catalog.forms.get(f.code)
        if form is None or f.extension != "xml":
            continue
        if allow_unsigned_forms and f"<{form.signature_element}></{form.signature_element}>".encode() in f.content:
            continue
        checked.append(check_trust(verify_file(f.content, form.signature_element), anchors, intermediates))
    return checked


def check_submission(data: bytes, *, account: Account, unit: str, allowed_units: list[str], db: SandboxDB,
                     anchors: Sequence[x509.Certificate], intermediates: Sequence[x509.Certificate]) -> Accepted:
    # 1. safe XML, XSDs, counts
    try:
        env = read_envelope(data)
        for f in env.files:
            form = load_catalog().forms.get(f.code)
            if form is not None and f.extension == "xml":
                from bhxh_desk.forms.schemas import check_bytes

                check_bytes(f.content, form.code, f.name, row_tag=form.row_element, earlier=True)
    except BhxhError as err:
        raise Refusal(422, "gw.invalid_file", [from_error(err)]) from None
    # 2. the unit
    if env.unit.code != unit:
        raise Refusal(422, "gw.unit_mismatch", [reason("gw.unit_mismatch", "ThongTinDonVi/MaSoBHXH",
                                                       file_unit=env.unit.code, unit=unit)])
    if unit not in allowed_units:
        raise Refusal(403, "auth.forbidden_unit", [reason("auth.forbidden_unit", unit=unit)])
    # 3. signatures, or the OTP
    attached = otp_mod.read(env.root)
    try:
        if attached is not None:
            refusal = db.use_otp(attached.request_id, attached.ma_so_bhxh, otp_mod.unsigned_digest(data),
                                 attached.code)
            if attached.ma_so_bhxh != env.unit.code:
                refusal = "otp.not_bound"
            if refusal:
                raise Refusal(422, refusal, [reason(refusal, "CKy_Dvi/XacThucOTP")])
            signatures = _signatures(env, data, anchors, intermediates, allow_unsigned_forms=True)
        else:
            signatures = _signatures(env, data, anchors, intermediates, allow_unsigned_forms=False)
    except BhxhError as err:
        raise Refusal(422, err.code, [from_error(err)]) from None
    # 4. and 5. registered, valid at signing time, tax code
    reasons: list[Reason] = []
    unit_account = db.account(unit)
    expected_tax = {t for t in ((unit_account.tax_code if unit_account else ""), account.tax_code) if t}
    for sig in signatures:
        if sig.trust_error is not None:
            reasons.append(from_error(sig.trust_error, sig.where))
            continue
        if not db.is_registered(unit, sig.signer.serial):
            reasons.append(reason("gw.cert_not_registered", sig.where, subject=sig.signer.subject,
                                  serial=sig.signer.serial, unit=unit))
        elif expected_tax and (sig.signer.tax_code or "").split("-")[0] not in {t.split("-")[0] for t in expected_tax}:
            reasons.append(reason("cert.tax_code_mismatch", sig.where, cert_tax_code=sig.signer.tax_code or "-",
                                  unit_tax_code=", ".join(sorted(expected_tax))))
    if reasons:
        raise Refusal(422, reasons[0].code, reasons)
    return Accepted(envelope=env, reject_reasons=_business_rules(env))


SANDBOX_UNKNOWN_PREFIX = b"<Masobhxh>99"


def _business_rules(env: Envelope) -> list[Reason]:
    """The sandbox's stand-in for BHXH's database checks, so that rejections (203) can be tried: a mã số
    BHXH that starts with 99 is 'not in the database'. Documented in docs/gateway-protocol.md."""
    out = []
    for f in env.files:
        start = f.content.find(SANDBOX_UNKNOWN_PREFIX)
        if start >= 0:
            value = f.content[start + len(b"<Masobhxh>"): start + len(b"<Masobhxh>") + 10].decode(errors="replace")
            out.append(reason("gw.unknown_person", f.name, ma_so_bhxh=value))
    return out


def certificate_checks(cert: x509.Certificate, *, unit: str, account: Account, db: SandboxDB,
                       anchors: Sequence[x509.Certificate], intermediates: Sequence[x509.Certificate]) -> None:
    """Registration (form 04/ĐK-IVAN): valid now, may sign, trusted chain, the unit's or agent's tax code."""
    from bhxh_desk.signing import certs

    try:
        certs.check_validity(cert, datetime.now(UTC))
        certs.check_key_usage(cert)
        certs.build_chain(cert, intermediates, anchors, datetime.now(UTC))
    except BhxhError as err:
        raise Refusal(422, err.code, [from_error(err)]) from None
    unit_account = db.account(unit)
    expected = {t.split("-")[0] for t in ((unit_account.tax_code if unit_account else ""), account.tax_code) if t}
    found = (certs.tax_code_of(cert) or "").split("-")[0]
    if expected and found not in expected:
        raise Refusal(422, "cert.tax_code_mismatch", [reason("cert.tax_code_mismatch", cert_tax_code=found or "-",
                                                             unit_tax_code=", ".join(sorted(expected)))])
