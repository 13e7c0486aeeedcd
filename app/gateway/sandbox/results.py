"""How a filed dossier moves on in the sandbox, and the signed result document it ends with.

Status is derived from the time since receipt (``processing_after``, ``result_after``), so a restart of
the sandbox changes nothing. A dossier the business rules reject ends at 203 with reasons; every other
one at 202. The result document is signed with the sandbox's result key, in the same XML-DSig profile.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from bhxh_desk.app.gateway.protocol import PROCESSING, RECEIVED, REJECTED, RESULT, DossierStatus
from bhxh_desk.app.gateway.sandbox.db import SandboxDB, StoredDossier, iso, now
from bhxh_desk.app.gateway.sandbox.pki import SandboxPKI
from bhxh_desk.forms.canonical import XML_DECLARATION, escape
from bhxh_desk.forms.display import dmy
from bhxh_desk.signing.signer import KeySigner
from bhxh_desk.signing.xmldsig import sign_file


@dataclass(frozen=True)
class Timing:
    processing_after: float = 5.0
    result_after: float = 15.0


def status_of(d: StoredDossier, timing: Timing) -> DossierStatus:
    age = now() - d.received_at
    reasons = json.loads(d.reject_reasons) if d.reject_reasons else []
    if age >= timedelta(seconds=timing.result_after):
        code, at = (REJECTED if reasons else RESULT), d.received_at + timedelta(seconds=timing.result_after)
    elif age >= timedelta(seconds=timing.processing_after):
        code, at, reasons = PROCESSING, d.received_at + timedelta(seconds=timing.processing_after), []
    else:
        code, at, reasons = RECEIVED, d.received_at, []
    return DossierStatus(so_ho_so=d.so_ho_so, status=code, updated_at=iso(at),
                         result_available=code in (RESULT, REJECTED), reasons=reasons)


def result_document(d: StoredDossier, status: DossierStatus, file: bytes, pki: SandboxPKI) -> bytes:
    text = ("Hồ sơ đã được cơ quan BHXH (cổng thử nghiệm) giải quyết." if status.status == RESULT else
            "Hồ sơ bị từ chối: " + "; ".join(r["message_vi"] for r in status.reasons))
    body = (f"<KetQua><SoHoSo>{escape(d.so_ho_so)}</SoHoSo><MaThuTuc>{escape(d.procedure)}</MaThuTuc>"
            f"<MaDonVi>{escape(d.unit)}</MaDonVi><TrangThai>{status.status}</TrangThai>"
            f"<NgayXuLy>{dmy(now())}</NgayXuLy><NoiDung>{escape(text)}</NoiDung>"
            f"<DigestHoSo>{hashlib.sha256(file).hexdigest()}</DigestHoSo><Cky></Cky></KetQua>")
    signer = KeySigner.from_files(pki.signer_key, pki.signer_cert)
    return sign_file(XML_DECLARATION + body.encode("utf-8"), "Cky", signer)


def ensure_result(db: SandboxDB, d: StoredDossier, status: DossierStatus, pki: SandboxPKI) -> bytes | None:
    if not status.result_available:
        return None
    if d.result is None:
        db.set_result(d.id, result_document(d, status, db.dossier_file(d.id), pki))
        d = db.find(so_ho_so=d.so_ho_so) or d
    return d.result
