"""Filing: from a signed file to a receipt and a verified result, exactly once, with no Qt in it.

``Filing.send`` uploads one queued submission; ``Filing.sync`` sends everything queued or in doubt and
polls everything pending. Both are safe to interrupt at any moment and to run again: the outbox records
the attempt before the upload, and the gateway answers a repeated idempotency key with its first receipt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from cryptography import x509

from bhxh_desk.app.gateway.client import GatewayClient
from bhxh_desk.app.gateway.errors import GatewayError, Reason, Refused, Unreachable
from bhxh_desk.app.store.outbox import Outbox, Submission
from bhxh_desk.app.workflow import State
from bhxh_desk.forms.errors import BhxhError

log = logging.getLogger("bhxh-desk.filing")


@dataclass
class SyncReport:
    sent: list[Submission] = field(default_factory=list)
    refused: list[Submission] = field(default_factory=list)
    progressed: list[Submission] = field(default_factory=list)
    settled: list[Submission] = field(default_factory=list)
    waiting: list[tuple[Submission, str]] = field(default_factory=list)     # still queued or in doubt, and why


class Filing:
    def __init__(self, outbox: Outbox, client: GatewayClient, gateway_trust: Sequence[x509.Certificate] = ()) -> None:
        self.outbox = outbox
        self.client = client
        self.gateway_trust = list(gateway_trust)

    def send(self, sub: Submission) -> Submission:
        """Upload once more with the same key; a lost reply leaves the submission in doubt (Submitted).

        One in doubt is first looked up by its key: the gateway that stored it before the reply was lost
        answers with its receipt, and nothing is uploaded twice, even to a gateway that would file a
        repeated upload again. The upload itself is never retried inside the client for the same reason:
        a retry is the next round's, after the look-up."""
        if sub.attempts or sub.state is State.SUBMITTED:
            found = self.client.receipt_by_key(sub.idempotency_key)
            if found is not None:
                return self.outbox.received(sub.id, found)
        sub = self.outbox.attempt(sub.id)
        retries, self.client.retries = self.client.retries, 0
        try:
            receipt = self.client.submit(self.outbox.file(sub.id), sub.idempotency_key)
        except Refused as exc:
            if exc.http_status in (401, 403):
                raise
            reasons = list(exc.reasons) or [Reason(exc.code, exc.message("vi"), exc.message("en"))]
            return self.outbox.refused(sub.id, reasons, exc.message("en"))
        except Unreachable as exc:
            self.outbox.failed_attempt(sub.id, exc.message("en"))
            raise
        finally:
            self.client.retries = retries
        return self.outbox.received(sub.id, receipt)

    def settle(self, sub: Submission) -> Submission:
        """Poll one filed dossier; fetch and verify its result document when there is one."""
        status = self.client.status(so_ho_so=sub.so_ho_so)
        if not status.result_available:
            return self.outbox.progressed(sub.id, status)
        document = self.client.result(sub.so_ho_so or "")
        verified = self.verify_result(sub, document)
        return self.outbox.settled(sub.id, status, document, verified)

    def verify_result(self, sub: Submission, document: bytes) -> bool:
        """The result must be signed by the gateway (chain to its CA) and name this very dossier."""
        from datetime import UTC, datetime

        from bhxh_desk.forms.xmlsafe import parse_xml
        from bhxh_desk.signing import certs
        from bhxh_desk.signing.xmldsig import verify_file

        try:
            info = verify_file(document, "Cky")
            anchors = [c for c in self.gateway_trust if c.issuer == c.subject]
            intermediates = [c for c in self.gateway_trust if c.issuer != c.subject]
            certs.build_chain(info.certificate, intermediates, anchors, info.signing_time or datetime.now(UTC))
            signed = info.signed
            if signed.findtext("SoHoSo") != sub.so_ho_so or signed.findtext("DigestHoSo") != sub.digest:
                raise GatewayError("gw.result_unverified", so_ho_so=sub.so_ho_so, reason="it names another dossier")
            parse_xml(document)
        except BhxhError as exc:
            log.warning("result of %s not verified: %s", sub.so_ho_so, exc.message("en"))
            return False
        return True

    def sync(self, *, on_progress: Callable[[Submission], None] | None = None,
             units: Collection[str] | None = None, settle: bool = True) -> SyncReport:
        """Send what is queued or in doubt, each claimed from the outbox while it is sent (several
        workstations may share it: ``Outbox.claimed``), then settle what is pending; ``units``: only
        those (the ones this sender holds a password for)."""
        report = SyncReport()
        mine = self.client.base_url
        if units is None and getattr(self.client, "unit", None):
            units = {self.client.unit}          # what this sign-in may file: another clerk's units wait for them
        tried: list[int] = []
        while True:
            with self.outbox.claimed(mine, units=units, skip=tried) as sub:
                if sub is None:
                    break
                tried.append(sub.id)
                try:
                    done = self.send(sub)
                except Unreachable as exc:
                    report.waiting.append((self.outbox.get(sub.id), exc.message("vi")))
                    continue
            (report.refused if done.state is State.REJECTED else report.sent).append(done)
            if on_progress:
                on_progress(done)
        for sub in self.outbox.all((State.RECEIVED, State.PROCESSING)) if settle else ():
            if sub.gateway != mine or (units is not None and sub.unit not in units):
                continue
            try:
                done = self.settle(sub)
            except Unreachable as exc:
                report.waiting.append((sub, exc.message("vi")))
                continue
            (report.settled if done.state in (State.RESULT, State.REJECTED) else report.progressed).append(done)
            if on_progress:
                on_progress(done)
        return report

