"""The transaction code (mã xác thực, OTP) that stands in for a signature on an individual's dossier.

BHXH sends the code by SMS to a person registered for e-transactions who has no certificate (Decree
166/2016/NĐ-CP; letter 3040/BHXH-CNTT). How a code is bound to a dossier is not public; bhxh-desk's protocol
(docs/gateway-protocol.md) binds it to the SHA-256 of the canonical unsigned envelope and the person's mã
số BHXH, and carries it in ``CKy_Dvi`` in place of the unit's signature.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from lxml import etree

from bhxh_desk.forms.canonical import XML_DECLARATION, canonical_body, escape
from bhxh_desk.forms.xmlbuild import ENVELOPE_SIGNATURE
from bhxh_desk.forms.xmlsafe import parse_xml
from bhxh_desk.signing.errors import SigningError

OTP_NS = "urn:bhxh-desk:otp"
_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True, slots=True)
class OtpAttachment:
    ma_so_bhxh: str
    request_id: str
    code: str


def _empty_slot() -> bytes:
    return f"<{ENVELOPE_SIGNATURE}></{ENVELOPE_SIGNATURE}>".encode()


def unsigned_digest(envelope: bytes) -> str:
    """SHA-256 (hex) of the canonical envelope with ``CKy_Dvi`` empty: what the person confirms."""
    root = parse_xml(envelope, allow_huge_text=True)
    slot = root.find(ENVELOPE_SIGNATURE)
    if slot is not None:
        for child in list(slot):
            slot.remove(child)
        slot.text = None
    return hashlib.sha256(etree.tostring(root, method="c14n", exclusive=True)).hexdigest()


def attach(envelope: bytes, otp: OtpAttachment) -> bytes:
    """Put the code into the empty ``CKy_Dvi`` of a canonical unsigned envelope."""
    if not _CODE.fullmatch(otp.code):
        raise SigningError("otp.format")
    body = bytes(canonical_body(envelope))
    empty = _empty_slot()
    if body.count(empty) != 1:
        raise SigningError("sig.slot_not_empty", where=ENVELOPE_SIGNATURE)
    element = (f'<XacThucOTP xmlns="{OTP_NS}"><MaSoBHXH>{escape(otp.ma_so_bhxh)}</MaSoBHXH>'
               f"<MaYeuCau>{escape(otp.request_id)}</MaYeuCau><MaXacThuc>{otp.code}</MaXacThuc></XacThucOTP>")
    filled = f"<{ENVELOPE_SIGNATURE}>{element}</{ENVELOPE_SIGNATURE}>".encode()
    return XML_DECLARATION + body.replace(empty, filled)


def read(root: etree._Element) -> OtpAttachment | None:
    """The OTP a parsed envelope carries, if it is authenticated that way."""
    el = root.find(f"{ENVELOPE_SIGNATURE}/{{{OTP_NS}}}XacThucOTP")
    if el is None:
        return None
    return OtpAttachment(ma_so_bhxh=el.findtext(f"{{{OTP_NS}}}MaSoBHXH") or "",
                         request_id=el.findtext(f"{{{OTP_NS}}}MaYeuCau") or "",
                         code=el.findtext(f"{{{OTP_NS}}}MaXacThuc") or "")
